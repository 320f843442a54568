package io.github.layershuffle.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code layershuffle} command line: train, evaluate, merge and export LayerShuffle Vision Transformers.
 *
 * <pre>{@code
 * layershuffle train --variant layershuffle --epochs 5 --out runs/ls
 * layershuffle evaluate runs/ls/best.safetensors --policy sequential --policy random --seeds 5
 * layershuffle merge --slot runs/a/best.safetensors:0-5 --slot runs/b/best.safetensors:6-11 --out merged.safetensors
 * layershuffle export runs/ls/best.safetensors exports/ls
 * layershuffle keygen --out keys
 * layershuffle export runs/ls/best.safetensors exports/ls --sign keys/signing-key.pem
 * }</pre>
 *
 * <p>Errors print one line to standard error ({@code --verbose} adds the stack trace) and exit with 1; a bad
 * command line prints the usage and exits with 2. Progress bars and logs go to standard error, results and
 * summary tables to standard output.
 */
@Command(name = "layershuffle", mixinStandardHelpOptions = true, versionProvider = LayerShuffleCli.Version.class,
        description = "Train, evaluate, merge and export Vision Transformers that are robust to the order their "
                + "blocks run in (LayerShuffle).",
        subcommands = {TrainCommand.class, EvaluateCommand.class, MergeCommand.class, ExportCommand.class,
            KeygenCommand.class, ExperimentCommand.class, DemoCommand.class, BenchCommand.class,
            SearchCommand.class,
            CommandLine.HelpCommand.class})
public final class LayerShuffleCli implements Runnable {
    /** Exit code of a failed command. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a command line that could not be parsed, or of a set-up the user has to do first. */
    public static final int EXIT_USAGE = 2;
    /** The logger DJL reports a failed GPU count through. */
    static final String CUDA_LOGGER = "ai.djl.util.cuda.CudaUtils";

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log what happens, and print the stack trace of an error.")
    boolean verbose;

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Runs the command line with these streams, and returns the exit code instead of exiting (for tests and
     * embedding).
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        configureLogging(Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v"));
        CommandLine cli = new CommandLine(new LayerShuffleCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(LayerShuffleCli::handle);
        cli.setParameterExceptionHandler((e, params) -> {
            CommandLine c = e.getCommandLine();
            String unknown = unknownCommand(e);
            c.getErr().println(c.getCommandName() + ": " + (unknown != null ? unknown : e.getMessage()));
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            c.getErr().flush();
            return EXIT_USAGE;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * The message for a first word that names no command ({@code layershuffle serach}), with the closest commands;
     * null for any other error.
     */
    static String unknownCommand(CommandLine.ParameterException e) {
        CommandLine c = e.getCommandLine();
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || c.getParent() != null
                || u.getUnmatched().isEmpty() || u.getUnmatched().get(0).startsWith("-")) {
            return null;
        }
        List<String> commands = c.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
        List<String> close = u.getSuggestions().stream().filter(commands::contains).toList();
        return "unknown command '" + u.getUnmatched().get(0) + "'" + (close.isEmpty() ? "" : "; did you mean "
                + String.join(" or ", close) + "?") + " The commands are " + String.join(", ", commands) + ".";
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int handle(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(e));
        if (isVerbose(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    /** The exception's message on one line; the type too where the message alone would not say much. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getName()
                : t instanceof io.github.layershuffle.api.LayerShuffleException
                        || t instanceof IllegalArgumentException || t instanceof IllegalStateException
                        ? t.getMessage() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static boolean isVerbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** slf4j-simple reads its settings once, so they are set before the first logger exists. */
    private static void configureLogging(boolean verbose) {
        loggingProperties(verbose).forEach(LayerShuffleCli::setIfAbsent);
    }

    /**
     * The system properties the command line sets unless given: slf4j-simple's levels and DJL offline. Without
     * {@code --verbose}, DJL's "Failed to detect GPU count" (logged at WARN by {@code ai.djl.util.cuda.CudaUtils}
     * wherever a CUDA runtime is found without a usable driver, i.e. on many machines without a GPU) is hidden.
     */
    static Map<String, String> loggingProperties(boolean verbose) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("org.slf4j.simpleLogger.logFile", "System.err");
        p.put("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        p.put("org.slf4j.simpleLogger.log.io.github.layershuffle", verbose ? "debug" : "warn");
        p.put("org.slf4j.simpleLogger.log." + CUDA_LOGGER, verbose ? "warn" : "error");
        p.put("ai.djl.offline", "true");
        return p;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The version the build recorded (the exporter's producer string) and the JVM. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {io.github.layershuffle.onnx.export.OnnxExporter.producer(),
                "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch")};
        }
    }
}
