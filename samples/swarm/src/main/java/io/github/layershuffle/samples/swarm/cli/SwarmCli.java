package io.github.layershuffle.samples.swarm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code swarm} command: block servers, a client, a bench that kills and restarts servers, and random exports
 * to try them with. The only place in the sample that prints.
 */
@Command(name = "swarm", mixinStandardHelpOptions = true, version = "layershuffle swarm 0.1.0",
        description = "Swarm inference over block servers that come and go.",
        subcommands = {ServerCommand.class, ClassifyCommand.class, BenchCommand.class, RandomExportCommand.class,
            CommandLine.HelpCommand.class})
public final class SwarmCli {

    private SwarmCli() {
    }

    /**
     * Runs the command line and exits with its status: 0 on success, 1 on a failure, 2 on a usage error.
     *
     * @param args the arguments, e.g. {@code bench exports/shuffle exports/baseline --servers 4}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status, for tests and embedding. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SwarmCli());
        cli.setExecutionExceptionHandler((e, line, parse) -> {
            line.getErr().println("error: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }
}
