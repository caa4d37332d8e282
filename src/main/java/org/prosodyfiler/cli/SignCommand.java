package org.prosodyfiler.cli;

import java.time.Instant;
import java.util.concurrent.Callable;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ListenAddress;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.JwtVerifier;
import org.prosodyfiler.protocol.MacDiagnosis;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.PathDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Prints an upload URL signed exactly as an XMPP server would sign it, to debug "Invalid MAC"
 * with curl: if this URL works and the XMPP server's does not, the secrets or prefixes differ.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Print a signed upload URL (and for jwt the Authorization header), as an XMPP server would issue it.")
final class SignCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--path", required = true, description = "Path below the upload prefix, not URL-encoded, e.g. \"abc/my cat.jpg\".")
    String path;

    @Option(names = "--size", required = true, description = "Exact size in bytes (the PUT's Content-Length).")
    long size;

    @Option(names = "--type", description = "Content-Type the PUT will send (v2, token, jwt). Default: application/octet-stream.")
    String type;

    @Option(names = "--dialect", defaultValue = "v", description = "v, v2, token or jwt (default: ${DEFAULT-VALUE}).")
    String dialect;

    @Option(names = "--base-url", description = "Public base URL, e.g. https://upload.example.org/upload/ (default: from the config's listen address).")
    String baseUrl;

    @Option(names = "--sub", defaultValue = "admin@localhost", description = "jwt: the uploader JID (default: ${DEFAULT-VALUE}).")
    String sub;

    @Override
    public Integer call() {
        return AdminContext.run(() -> {
            Config config = AdminContext.config(main.config);
            Dialect d = Dialect.byName(dialect).orElse(null);
            if (d == null) {
                System.err.println("prosody-filer: --dialect must be v, v2, token or jwt");
                return 2;
            }
            String encoded = MacDiagnosis.encodeLikeProsody(path);
            if (!(PathDecoder.decode(encoded) instanceof PathDecoder.Ok)) {
                System.err.println("prosody-filer: the server would refuse this path (empty or dot segments, control characters...)");
                return 2;
            }
            MacSigner signer = new MacSigner(config.secret());
            String contentType = type == null ? MacSigner.DEFAULT_CONTENT_TYPE : type;
            String url = base(config) + encoded;
            if (d == Dialect.JWT) {
                int slash = path.indexOf('/');
                if (slash < 0) {
                    System.err.println("prosody-filer: jwt paths are <slot>/<filename>");
                    return 2;
                }
                long now = Instant.now().getEpochSecond();
                String claims = "{\"sub\":" + json(sub) + ",\"iat\":" + now + ",\"exp\":" + (now + 300)
                        + ",\"slot\":" + json(path.substring(0, slash)) + ",\"filename\":" + json(path.substring(slash + 1))
                        + ",\"filesize\":" + size + ",\"filetype\":" + json(contentType) + "}";
                System.out.println(url);
                System.out.println("Authorization: Bearer " + JwtVerifier.sign(signer, claims));
            } else {
                System.out.println(url + "?" + d.param() + "=" + signer.sign(d, path, size, contentType));
                System.err.println("signed: " + MacSigner.printable(MacSigner.message(d, path, size, contentType)));
            }
            String typeHeader = d == Dialect.V ? "" : " -H 'Content-Type: " + contentType + "'";
            System.err.println("try:    curl -T FILE" + typeHeader + " '<the URL above>'");
            return 0;
        });
    }

    private String base(Config config) {
        if (baseUrl != null) {
            return baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        }
        if (config.listen() instanceof ListenAddress.Tcp t) {
            String host = t.host().isEmpty() || t.host().equals("0.0.0.0") ? "127.0.0.1"
                    : t.host().equals("::") ? "[::1]" : t.host().contains(":") ? "[" + t.host() + "]" : t.host();
            return "http://" + host + ":" + t.port() + config.urlPrefix();
        }
        return "http://localhost" + config.urlPrefix();
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
