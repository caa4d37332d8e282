package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiFunction;

/**
 * A private Prosody 0.12 with mod_http_upload_external, its config and data in one directory,
 * a single plain c2s listener on 127.0.0.1 and nothing else (no s2s, no HTTP, no TLS). Each
 * {@link UploadHost} becomes a VirtualHost with an upload component "upload.&lt;domain&gt;" that
 * signs with the given protocol, so one process covers both the v1 and the v2 dialect.
 * {@link #startFileShare} does the same with Prosody's own mod_http_file_share (JWT dialect).
 */
final class ProsodyServer implements XmppServer {
    /** A VirtualHost and the http_upload_external_protocol of its upload component. */
    record UploadHost(String domain, String protocol) {
        String component() {
            return "upload." + domain;
        }
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CTL_TIMEOUT = Duration.ofSeconds(60);
    private static final int ATTEMPTS = 3;
    /** Part of the prosody package itself (0.12+), in Prosody's default module directory. */
    private static final Path FILE_SHARE_MODULE = Path.of("/usr/lib/prosody/modules/mod_http_file_share.lua");

    private final ServerProcess process;
    private final int c2sPort;

    private ProsodyServer(ServerProcess process, int c2sPort) {
        this.process = process;
        this.c2sPort = c2sPort;
    }

    /**
     * A VirtualHost whose upload component runs Prosody's own mod_http_file_share in external
     * mode; {@code expiresAfterSeconds} sets http_file_share_expires_after (empty: the module's
     * default of one week), which the module passes on as the JWT's "expires" claim.
     */
    record FileShareHost(String domain, OptionalLong expiresAfterSeconds) {
        String component() {
            return "upload." + domain;
        }
    }

    /**
     * Writes the config, registers the accounts with prosodyctl (works offline against the
     * internal storage) and starts "prosody -F". Retries with a fresh port if another process
     * took the one we picked.
     */
    static ProsodyServer start(Path dir, URI uploadBaseUrl, String secret, long sizeLimit,
                               List<UploadHost> hosts, List<Account> accounts) {
        Path moduleDir = Installed.prosodyUploadModuleDir();
        return start(dir, accounts,
                (home, port) -> config(home, moduleDir, port, uploadBaseUrl, secret, sizeLimit, hosts));
    }

    /**
     * Like {@link #start}, but the upload components are mod_http_file_share (shipped with Prosody
     * 0.12 itself, no prosody-modules needed) in external mode: slots carry a Bearer JWT.
     */
    static ProsodyServer startFileShare(Path dir, URI uploadBaseUrl, String secret, long sizeLimit,
                                        List<FileShareHost> hosts, List<Account> accounts) {
        Installed.require(Files.isRegularFile(FILE_SHARE_MODULE),
                "Prosody 0.12's mod_http_file_share (" + FILE_SHARE_MODULE + ", Debian package prosody)");
        return start(dir, accounts,
                (home, port) -> fileShareConfig(home, port, uploadBaseUrl, secret, sizeLimit, hosts));
    }

    private static ProsodyServer start(Path dir, List<Account> accounts, BiFunction<Path, Integer, String> configFor) {
        Path prosody = Installed.prosody();
        Path prosodyctl = Installed.prosodyctl();
        String lastFailure = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Path home = dir.resolve("prosody-" + attempt);
            int port = FreePorts.pick(1)[0];
            Path config = writeConfig(home, configFor.apply(home, port));
            for (Account account : accounts) {
                register(prosodyctl, home, config, account);
            }
            ServerProcess server = ServerProcess.start("Prosody",
                    List.of(prosody.toString(), "--config", config.toString(), "-F"),
                    Map.of(), home, home.resolve("prosody.log"));
            ServerProcess.Start result = server.awaitReady(
                    log -> log.contains("Activated service 'c2s' on [127.0.0.1]:" + port),
                    log -> log.contains("Failed to open server port " + port),
                    port, START_TIMEOUT);
            if (result == ServerProcess.Start.READY) {
                return new ProsodyServer(server, port);
            }
            lastFailure = server.logTail(40);
        }
        throw new IllegalStateException("Prosody could not bind a free port in " + ATTEMPTS
                + " attempts; last log tail:\n" + lastFailure);
    }

    private static void register(Path prosodyctl, Path home, Path config, Account account) {
        ServerProcess ctl = ServerProcess.start("prosodyctl register " + account.bareJid(),
                List.of(prosodyctl.toString(), "--config", config.toString(),
                        "register", account.user(), account.domain(), account.password()),
                Map.of(), home, home.resolve("prosodyctl.log"));
        int status = ctl.awaitExit(CTL_TIMEOUT);
        if (status != 0) {
            throw new IllegalStateException("prosodyctl register " + account.bareJid() + " exited with " + status
                    + ":\n" + ctl.logTail(40));
        }
    }

    static Path writeConfig(Path home, String text) {
        try {
            Files.createDirectories(home.resolve("data"));
            Files.createDirectories(home.resolve("certs"));
            Path config = home.resolve("prosody.cfg.lua");
            Files.writeString(config, text);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The whole prosody.cfg.lua; docs/xmpp-setup.md shows the same upload settings to admins. */
    static String config(Path home, Path moduleDir, int c2sPort, URI uploadBaseUrl, String secret,
                         long sizeLimit, List<UploadHost> hosts) {
        StringBuilder cfg = common(home, Optional.of(moduleDir), c2sPort)
                .append("\n-- mod_http_upload_external: the part an admin needs (see docs/xmpp-setup.md).\n")
                .append("http_upload_external_base_url = ").append(lua(uploadBaseUrl.toString())).append('\n')
                .append("http_upload_external_secret = ").append(lua(secret)).append('\n')
                .append("http_upload_external_file_size_limit = ").append(sizeLimit).append('\n');
        for (UploadHost host : hosts) {
            cfg.append("\nVirtualHost ").append(lua(host.domain())).append('\n')
                    .append("Component ").append(lua(host.component())).append(" \"http_upload_external\"\n")
                    .append("    http_upload_external_protocol = ").append(lua(host.protocol())).append('\n');
        }
        return cfg.toString();
    }

    /**
     * The whole prosody.cfg.lua for mod_http_file_share in external mode. Setting
     * http_file_share_base_url is what makes the module "external": it then neither loads mod_http
     * nor serves or prunes files, it only signs slots. get_url appends "/&lt;slot&gt;/&lt;file name&gt;"
     * to the base URL's path, so the base is given without a trailing slash.
     */
    static String fileShareConfig(Path home, int c2sPort, URI uploadBaseUrl, String secret, long sizeLimit,
                                  List<FileShareHost> hosts) {
        String base = uploadBaseUrl.toString().replaceAll("/+$", "");
        StringBuilder cfg = common(home, Optional.empty(), c2sPort)
                .append("\n-- mod_http_file_share in external mode: the part an admin needs (see docs/xmpp-setup.md).\n")
                .append("http_file_share_base_url = ").append(lua(base)).append('\n')
                .append("http_file_share_secret = ").append(lua(secret)).append('\n')
                .append("http_file_share_size_limit = ").append(sizeLimit).append('\n');
        for (FileShareHost host : hosts) {
            cfg.append("\nVirtualHost ").append(lua(host.domain())).append('\n')
                    .append("Component ").append(lua(host.component())).append(" \"http_file_share\"\n");
            host.expiresAfterSeconds().ifPresent(seconds ->
                    cfg.append("    http_file_share_expires_after = ").append(seconds).append('\n'));
        }
        return cfg.toString();
    }

    /** Process, storage and network settings shared by both upload flavours. */
    private static StringBuilder common(Path home, Optional<Path> moduleDir, int c2sPort) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("-- Private Prosody for the Prosody Filer XMPP end-to-end tests (ProsodyServer.java).\n")
                .append("-- Process: foreground, all state in this directory. run_as_root only because CI runs as\n")
                .append("-- root and Prosody refuses that otherwise; it changes nothing for other users.\n")
                .append("daemonize = false\n")
                .append("run_as_root = true\n")
                .append("pidfile = ").append(lua(home.resolve("prosody.pid"))).append('\n')
                .append("data_path = ").append(lua(home.resolve("data"))).append('\n')
                .append("certificates = ").append(lua(home.resolve("certs"))).append('\n');
        moduleDir.ifPresent(dir -> cfg.append("plugin_paths = { ").append(lua(dir)).append(" }\n"));
        cfg.append("log = { { levels = { min = \"debug\" }, to = \"console\" } }\n")
                .append("\n-- Network: one plain client port on loopback; no s2s, no HTTP, no TLS ports.\n")
                .append("interfaces = { \"127.0.0.1\" }\n")
                .append("c2s_interfaces = { \"127.0.0.1\" }\n")
                .append("c2s_ports = { ").append(c2sPort).append(" }\n")
                .append("c2s_direct_tls_ports = { }\n")
                .append("legacy_ssl_ports = { }\n")
                .append("s2s_ports = { }\n")
                .append("http_ports = { }\n")
                .append("https_ports = { }\n")
                .append("modules_enabled = { \"roster\"; \"saslauth\"; \"disco\" }\n")
                .append("modules_disabled = { \"s2s\"; \"offline\" }\n")
                .append("authentication = \"internal_plain\"\n")
                .append("storage = \"internal\"\n")
                .append("-- No TLS on loopback; Smack logs in with SCRAM-SHA-1, so PLAIN stays disabled.\n")
                .append("c2s_require_encryption = false\n");
        return cfg;
    }

    /** A Lua string literal. */
    private static String lua(Object value) {
        return '"' + value.toString().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    @Override
    public String name() {
        return "Prosody 127.0.0.1:" + c2sPort + " (pid " + process.pid() + ")";
    }

    @Override
    public int c2sPort() {
        return c2sPort;
    }

    /**
     * Debian 12's mod_http_upload_external (prosody-modules hg 556bf57d6417) passes the
     * &lt;file-too-large/&gt; element as the fifth argument of st.error_reply, which Prosody 0.12
     * takes as the error's "by" attribute: the handler dies with "invalid attribute value:
     * expected string, got table" after logging "File too large", and the client never gets an
     * answer. Clients that honour the advertised max-file-size (Smack, Conversations, Dino, ...)
     * never send such a request.
     */
    @Override
    public boolean refusedSlotWithoutAnswer(long mark, String service, long size, long limit) {
        String log = process.logFrom(mark);
        return log.contains(service + ":http_upload_external")
                && log.contains("File too large (" + size + " > " + limit + ")")
                && log.contains("invalid attribute value: expected string, got table");
    }

    @Override
    public long logMark() {
        return process.logSize();
    }

    @Override
    public String logTail(int lines) {
        return process.logTail(lines);
    }

    @Override
    public void close() {
        process.close();
    }
}
