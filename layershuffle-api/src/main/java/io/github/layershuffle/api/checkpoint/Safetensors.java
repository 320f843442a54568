package io.github.layershuffle.api.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an
 * 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
 *
 * <p>Writes float32 only; reads F32, F16 and BF16 (converted to float), which covers Hugging Face
 * checkpoints. Every structural fault is reported with the file and the tensor at fault.
 *
 * <pre>{@code
 * Safetensors.write(path, Map.of("note", "demo"), List.of(new Tensor("w", new long[] {2}, new float[] {1, 2})));
 * SafetensorsFile file = Safetensors.read(path);
 * }</pre>
 */
public final class Safetensors {
    /**
     * The largest JSON header this reader accepts, in bytes (100 MB, the reference implementation's limit): a
     * corrupt length field must not make us allocate gigabytes.
     */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Longest name or value quoted in an error message; a header may hold strings of megabytes. */
    private static final int QUOTE = 120;

    private Safetensors() {
    }

    /**
     * Reads every tensor and the metadata of {@code file}.
     *
     * <p>The whole header is checked before any tensor is read: its length must fit the file and
     * {@link #MAX_HEADER_BYTES}, and every tensor's byte length must equal the product of its shape and its
     * dtype's size (computed without overflow), lie inside the data and overlap no other tensor. So the memory a
     * file can make this method allocate is bounded by the file's size (twice it for 16-bit dtypes).
     *
     * @throws LayerShuffleException naming the file, the tensor and the fault: missing, truncated, bad header,
     *                               unknown dtype, offsets that do not match the shape, lie outside the file
     *                               or overlap another tensor's
     */
    public static SafetensorsFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw bad(file, "header length " + headerLen + " does not fit a file of " + size
                        + " bytes (at most " + MAX_HEADER_BYTES + ")");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw bad(file, "header is not valid JSON: " + quote(e.getOriginalMessage()));
            }
            if (header == null || !header.isObject()) {
                throw bad(file, "header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    readMetadata(file, e.getValue(), metadata);
                } else {
                    entries.add(entry(file, e.getKey(), e.getValue(), dataSize));
                }
            }
            checkDisjoint(file, entries);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                tensors.put(e.name, readTensor(ch, e, dataStart));
            }
            return new SafetensorsFile(metadata, tensors);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new LayerShuffleException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    /** One tensor of the header, checked: {@code [begin, end)} within the data, of the size its shape needs. */
    private record Entry(String name, String dtype, long[] shape, long count, long begin, long end) {
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw bad(file, "__metadata__ is not a JSON object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw bad(file, "__metadata__ value of " + quote(m.getKey()) + " is not a string");
            }
            metadata.put(m.getKey(), m.getValue().asText());
        }
    }

    private static Entry entry(Path file, String name, JsonNode info, long dataSize) {
        String tensor = "tensor " + quote(name);
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw bad(file, tensor + " lacks dtype, shape or data_offsets [begin, end]");
        }
        String dtype = dtypeNode.asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw bad(file, tensor + " has dtype " + quote(dtype) + "; supported: [F32, F16, BF16]");
        };
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = natural(shapeNode.get(i));
            if (shape[i] < 0) {
                throw bad(file, tensor + " has shape entry " + i + " = " + quote(shapeNode.get(i).toString())
                        + "; expected an integer >= 0");
            }
        }
        long begin = natural(offsets.get(0));
        long end = natural(offsets.get(1));
        if (begin < 0 || end < begin || end > dataSize) {
            throw bad(file, tensor + " has data_offsets [" + quote(offsets.get(0).toString()) + ", "
                    + quote(offsets.get(1).toString()) + "] outside the " + dataSize
                    + " data bytes (truncated file?)");
        }
        long count;
        long bytes;
        try {
            count = Tensor.elementCount(shape);
            bytes = Math.multiplyExact(count, width);
        } catch (ArithmeticException e) {
            throw bad(file, tensor + " of shape " + quote(Arrays.toString(shape)) + " has more values than a long "
                    + "counts");
        }
        if (end - begin != bytes) {
            throw bad(file, tensor + " of shape " + quote(Arrays.toString(shape)) + " and dtype " + dtype + " needs "
                    + bytes + " bytes, data_offsets give " + (end - begin));
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw bad(file, tensor + " has " + count + " values, more than a Java array holds ("
                    + (Integer.MAX_VALUE - 8) + ")");
        }
        return new Entry(name, dtype, shape, count, begin, end);
    }

    /** A JSON integer >= 0 that fits a long, or -1. */
    private static long natural(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0 ? n.asLong() : -1;
    }

    private static void checkDisjoint(Path file, List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.removeIf(e -> e.begin == e.end);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry before = sorted.get(i - 1);
            Entry e = sorted.get(i);
            if (e.begin < before.end) {
                throw bad(file, "tensor " + quote(e.name) + " at data_offsets [" + e.begin + ", " + e.end
                        + "] overlaps tensor " + quote(before.name) + " at [" + before.begin + ", " + before.end
                        + "]; tensors must not share bytes");
            }
        }
    }

    private static Tensor readTensor(FileChannel ch, Entry e, long dataStart) throws IOException {
        ByteBuffer raw = ByteBuffer.allocate((int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, raw, dataStart + e.begin);
        raw.flip();
        float[] data = new float[(int) e.count];
        switch (e.dtype) {
            case "F32" -> raw.asFloatBuffer().get(data);
            case "F16" -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = halfToFloat(raw.getShort());
                }
            }
            default -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
                }
            }
        }
        return new Tensor(e.name, e.shape, data);
    }

    /** A shape for a message: in full up to rank 8, else its first 8 dimensions and its rank. */
    static String shape(long[] dims) {
        if (dims.length <= 8) {
            return java.util.Arrays.toString(dims);
        }
        String head = java.util.Arrays.toString(java.util.Arrays.copyOf(dims, 8));
        return head.substring(0, head.length() - 1) + ", ...] (rank " + dims.length + ")";
    }

    /** {@code text} in quotes, cut to {@value #QUOTE} characters. */
    static String quote(String text) {
        String t = String.valueOf(text);
        return "'" + (t.length() <= QUOTE ? t : t.substring(0, QUOTE) + "...(" + t.length() + " chars)") + "'";
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static LayerShuffleException bad(Path file, String what) {
        return new LayerShuffleException("safetensors file " + file + ": " + what);
    }

    /**
     * Writes {@code tensors} as F32 with {@code metadata}, atomically (see {@link AtomicFiles}).
     *
     * @throws IllegalArgumentException if two tensors share a name or a name is {@code __metadata__}
     * @throws LayerShuffleException    if the file cannot be written; an existing file is then unchanged
     */
    public static void write(Path file, Map<String, String> metadata, Collection<Tensor> tensors) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        List<Tensor> ordered = new ArrayList<>(tensors);
        for (Tensor t : ordered) {
            if (t.name().equals("__metadata__") || header.has(t.name())) {
                throw new IllegalArgumentException("tensor name '" + t.name() + "' is reserved or used twice");
            }
            ObjectNode info = header.putObject(t.name());
            info.put("dtype", "F32");
            ArrayNode shape = info.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = 4L * t.data().length;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("cannot encode safetensors header for " + file, e);
        }
        // Pad the header with spaces so tensor data starts 8-byte aligned, as the reference writer does.
        int padded = (headerBytes.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(headerBytes, padded);
        Arrays.fill(head, headerBytes.length, padded, (byte) ' ');
        try {
            AtomicFiles.write(file, out -> {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
                out.write(len.array());
                out.write(head);
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : ordered) {
                    for (float v : t.data()) {
                        if (!buf.hasRemaining()) {
                            out.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                        buf.putFloat(v);
                    }
                }
                out.write(buf.array(), 0, buf.position());
            });
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write safetensors file " + file + ": " + e.getMessage(), e);
        }
    }
}
