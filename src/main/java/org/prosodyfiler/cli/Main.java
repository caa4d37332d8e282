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
    @Option(names = {"-config", "--config", "-c"}, paramLabel = "FILE", defaultValue = "./config.toml",
            scope = CommandLine.ScopeType.INHERIT, description = "Config file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Override
    public Integer call() {
        return ServeCommand.serve(config);
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(cli.execute(args));
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
