package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A private ejabberd 23.01 with mod_http_upload in external_secret mode. The Erlang VM is started
 * directly in the foreground (what "ejabberdctl foreground" runs, minus the su to the ejabberd
 * user, which could not read a root-owned temp dir): config, Mnesia spool, logs and the Erlang
 * cookie ($HOME) all live in one directory. Erlang distribution, which ejabberd_ctl needs to
 * register users, uses a fixed private port on 127.0.0.1 (-erl_epmd_port, -start_epmd false),
 * so no epmd daemon is started at all and nothing collides with a system ejabberd.
 */
final class EjabberdServer implements XmppServer {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CTL_TIMEOUT = Duration.ofSeconds(60);
    private static final int ATTEMPTS = 3;

    private final ServerProcess process;
    private final Path home;
    private final int c2sPort;

    private EjabberdServer(ServerProcess process, Path home, int c2sPort) {
        this.process = process;
        this.home = home;
        this.c2sPort = c2sPort;
    }

    /** Starts ejabberd serving {@code domain}, then registers the accounts with ejabberd_ctl. */
    static EjabberdServer start(Path dir, String domain, URI uploadBaseUrl, String secret, long maxSize,
                                List<Account> accounts) {
        Path erl = Installed.erl();
        Path erlLibs = Installed.ejabberdLibs();
        String lastFailure = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Path home = dir.resolve("ejabberd-" + attempt);
            int[] ports = FreePorts.pick(2);
            int c2sPort = ports[0];
            int distPort = ports[1];
            String node = "pfit" + HexFormat.of().formatHex(random(4)) + "@localhost";
            Map<String, String> env = prepareHome(home, erlLibs, domain, c2sPort, uploadBaseUrl, secret, maxSize);
            ServerProcess server = ServerProcess.start("ejabberd", List.of(
                            erl.toString(), "-sname", node, "-noinput",
                            "-erl_epmd_port", Integer.toString(distPort), "-start_epmd", "false",
                            "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                            "-mnesia", "dir", '"' + home.resolve("spool").toString() + '"',
                            "-s", "ejabberd"),
                    env, home, home.resolve("ejabberd.out"));
            ServerProcess.Start result = server.awaitReady(
                    log -> log.contains("Start accepting TCP connections at 127.0.0.1:" + c2sPort + " for ejabberd_c2s"),
                    log -> log.contains("eaddrinuse") || log.contains("Failed to open socket at 127.0.0.1:" + c2sPort),
                    c2sPort, START_TIMEOUT);
            if (result == ServerProcess.Start.READY) {
                EjabberdServer ejabberd = new EjabberdServer(server, home, c2sPort);
                try {
                    for (Account account : accounts) {
                        ejabberd.register(erl, env, node, distPort, account);
                    }
                } catch (RuntimeException e) {
                    ejabberd.close();
                    throw e;
                }
                return ejabberd;
            }
            lastFailure = server.logTail(40);
        }
        throw new IllegalStateException("ejabberd could not bind free ports in " + ATTEMPTS
                + " attempts; last log tail:\n" + lastFailure);
    }

    /** "ejabberdctl register" without the wrapper script: a hidden, non-listening ctl node. */
    private void register(Path erl, Map<String, String> env, String node, int distPort, Account account) {
        String ctlNode = "pfitctl" + HexFormat.of().formatHex(random(4)) + "@localhost";
        ServerProcess ctl = ServerProcess.start("ejabberd_ctl register " + account.bareJid(), List.of(
                        erl.toString(), "-sname", ctlNode, "-hidden", "-noinput",
                        "-erl_epmd_port", Integer.toString(distPort), "-start_epmd", "false", "-dist_listen", "false",
                        "-s", "ejabberd_ctl", "-extra", node,
                        "register", account.user(), account.domain(), account.password()),
                env, home, home.resolve("ejabberdctl.log"));
        int status = ctl.awaitExit(CTL_TIMEOUT);
        if (status != 0) {
            throw new IllegalStateException("ejabberd_ctl register " + account.bareJid() + " exited with " + status
                    + ":\n" + ctl.logTail(20) + "\n--- ejabberd log tail ---\n" + logTail(40));
        }
    }

    private static Map<String, String> prepareHome(Path home, Path erlLibs, String domain, int c2sPort,
                                                   URI uploadBaseUrl, String secret, long maxSize) {
        try {
            Files.createDirectories(home.resolve("spool"));
            Files.createDirectories(home.resolve("logs"));
            Path config = home.resolve("ejabberd.yml");
            Files.writeString(config, config(home, domain, c2sPort, uploadBaseUrl, secret, maxSize));
            // Private cookie: erl reads $HOME/.erlang.cookie and insists on owner-only permissions.
            Path cookie = home.resolve(".erlang.cookie");
            Files.writeString(cookie, HexFormat.of().formatHex(random(16)), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
            return Map.of(
                    "HOME", home.toString(),
                    "EJABBERD_CONFIG_PATH", config.toString(),
                    "EJABBERD_LOG_PATH", home.resolve("logs/ejabberd.log").toString(),
                    "ERL_LIBS", erlLibs.toString(),
                    "ERL_CRASH_DUMP", home.resolve("logs/erl_crash.dump").toString(),
                    "ERL_CRASH_DUMP_BYTES", "0");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole ejabberd.yml; docs/xmpp-setup.md shows the mod_http_upload part to admins. */
    static String config(Path home, String domain, int c2sPort, URI uploadBaseUrl, String secret, long maxSize) {
        // ejabberd appends "/<sha1(jid)>/<random>/<file>" to put_url/get_url; a trailing '/' is stripped anyway.
        String base = uploadBaseUrl.toString().replaceAll("/+$", "");
        return """
                # Private ejabberd for the Prosody Filer XMPP end-to-end tests (EjabberdServer.java).
                hosts:
                  - %s
                loglevel: info
                log_rotate_count: 0
                # One plain client listener on loopback; no s2s, HTTP, STUN or MQTT listeners.
                listen:
                  -
                    port: %d
                    ip: "127.0.0.1"
                    module: ejabberd_c2s
                    starttls: false
                acl:
                  local:
                    user_regexp: ""
                access_rules:
                  local:
                    allow: local
                  c2s:
                    allow: all
                modules:
                  mod_disco: {}
                  mod_roster: {}
                  # The part an admin needs (see docs/xmpp-setup.md). Slots are handed out by the
                  # service upload.<host>; files go to Prosody Filer, which checks the ?v= HMAC.
                  mod_http_upload:
                    put_url: %s
                    get_url: %s
                    external_secret: %s
                    max_size: %d
                    # Unused with external_secret; kept inside the test directory regardless.
                    docroot: %s
                """.formatted(yaml(domain), c2sPort, yaml(base), yaml(base), yaml(secret), maxSize,
                yaml(home.resolve("upload").toString()));
    }

    /** A double-quoted YAML scalar. */
    private static String yaml(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Override
    public String name() {
        return "ejabberd 127.0.0.1:" + c2sPort + " (pid " + process.pid() + ")";
    }

    @Override
    public int c2sPort() {
        return c2sPort;
    }

    @Override
    public long logMark() {
        return process.logSize();
    }

    /** The console output (the main log at info level) plus error.log, which has crash reports. */
    @Override
    public String logTail(int lines) {
        String tail = process.logTail(lines);
        Path errors = home.resolve("logs/error.log");
        try {
            if (Files.isRegularFile(errors) && Files.size(errors) > 0) {
                tail += "\n--- " + errors + " ---\n" + ServerProcess.tail(new String(Files.readAllBytes(errors), StandardCharsets.UTF_8), lines);
            }
        } catch (IOException e) {
            tail += "\n(cannot read " + errors + ": " + e + ")";
        }
        return tail;
    }

    @Override
    public void close() {
        process.close();
    }
}
