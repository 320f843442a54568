/**
 * The checkpoint format: a trained model as one safetensors file, readable and writable without any deep
 * learning framework.
 *
 * <p>A {@link io.github.layershuffle.api.checkpoint.Checkpoint} holds the model's config, its family id and
 * float32 {@link io.github.layershuffle.api.checkpoint.Tensor}s named as
 * {@link io.github.layershuffle.api.checkpoint.VitLayout} lists them for that config.
 * {@link io.github.layershuffle.api.checkpoint.Safetensors} reads and writes the file format itself, and
 * {@link io.github.layershuffle.api.checkpoint.AtomicFiles} makes every write all-or-nothing. The layout is
 * specified in {@code docs/FORMATS.md}.
 *
 * <pre>{@code
 * Checkpoint ckpt = Checkpoint.read(Path.of("runs/ls/best.safetensors"));
 * System.out.println(ckpt.config().variant() + ", family " + ckpt.family());
 * Tensor qkv = ckpt.tensor("blocks.0.attn.qkv.weight");
 * }</pre>
 */
package io.github.layershuffle.api.checkpoint;
