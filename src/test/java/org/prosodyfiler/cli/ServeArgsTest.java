package org.prosodyfiler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The serve command lines recognised without picocli; everything else must go to picocli. */
class ServeArgsTest {
    @Test
    void servingCommandLines() {
        assertThat(ServeArgs.configFile(new String[0])).isEqualTo(Path.of("./config.toml"));
        for (String flag : new String[] {"-config", "--config", "-c"}) {
            assertThat(ServeArgs.configFile(new String[] {flag, "/etc/pf.toml"})).isEqualTo(Path.of("/etc/pf.toml"));
            assertThat(ServeArgs.configFile(new String[] {flag + "=/etc/pf.toml"})).isEqualTo(Path.of("/etc/pf.toml"));
        }
    }

    @Test
    void everythingElseIsPicocliBusiness() {
        String[][] others = {
            {"--help"}, {"--version"}, {"check-config"}, {"-config", "a.toml", "stats"}, {"stats", "-config", "a.toml"},
            {"-config"}, {"-config="}, {"-config", "--help"}, {"-config", "@args.txt"}, {"-ca.toml"}, {"-configx", "a"},
            {"--conf", "a.toml"}, {"-config", "a", "-config", "b"}, {"-x=a"}, {"=a"},
        };
        for (String[] args : others) {
            assertThat(ServeArgs.configFile(args)).as(String.join(" ", args)).isNull();
        }
    }
}
