package org.prosodyfiler.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The front door. With no subcommand it serves, like the Go original: {@code prosody-filer
 * -config FILE}. Admin subcommands share the same config option.
 */
@Command(name = "prosody-filer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "XEP-0363 HTTP File Upload server for Prosody, ejabberd and Metronome.",
        subcommands = {CheckConfigCommand.class, SignCommand.class, StatsCommand.class, PurgeCommand.class})
public final class Main implements Callable<Integer> {

    /** Go-style "-config FILE" as well as "--config FILE" and "-config=FILE". */
    @Option(names = {"-config", "--config", "-c"}, paramLabel = "FILE", defaultValue = ServeArgs.DEFAULT_CONFIG,
            scope = CommandLine.ScopeType.INHERIT, description = "Config file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Override
    public Integer call() {
        return ServeCommand.serve(config);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (Boolean.getBoolean(AotTraining.PROPERTY)) {
            return AotTraining.run(); // bin/prosody-filer recording the AOT cache: same -jar command line as a start
        }
        // picocli is compiled for Java 5, so the JVM's AOT cache cannot keep its classes: building its
        // model of our commands costs ~0.4 s of a ~0.8 s start. The two commands run at every start,
        // serving and --version, are recognised here; anything else (help, admin commands, a typo)
        // goes through picocli as before.
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            try {
                for (String line : new Version().getVersion()) {
                    System.out.println(line);
                }
                return 0;
            } catch (IOException | RuntimeException e) {
                return picocli(args); // let picocli report it as it always did
            }
        }
        Path config = ServeArgs.configFile(args);
        if (config != null) {
            Warmup.start();
            try {
                return ServeCommand.serve(config);
            } catch (RuntimeException e) {
                e.printStackTrace(); // what picocli does with an exception from a command: trace, exit 1
                return 1;
            }
        }
        return picocli(args);
    }

    private static int picocli(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli.execute(args);
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/prosody-filer-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"prosody-filer " + p.getProperty("version", "unknown")
                    + " (Java " + Runtime.version() + ")"};
        }
    }
}
