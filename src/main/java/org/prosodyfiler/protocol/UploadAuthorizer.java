package org.prosodyfiler.protocol;

import static org.prosodyfiler.protocol.Rejection.Reason.BAD_CONTENT_TYPE;
import static org.prosodyfiler.protocol.Rejection.Reason.BAD_LENGTH;
import static org.prosodyfiler.protocol.Rejection.Reason.BAD_TOKEN;
import static org.prosodyfiler.protocol.Rejection.Reason.DIALECT_DISABLED;
import static org.prosodyfiler.protocol.Rejection.Reason.MISSING_TOKEN;
import static org.prosodyfiler.protocol.Rejection.Reason.NO_LENGTH;
import static org.prosodyfiler.protocol.Rejection.Reason.TOO_LARGE;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a PUT may store its body: which dialect signed it, whether the MAC or token
 * is right for this exact path, size and content type, and whether the size is acceptable.
 * Pure logic, no I/O: everything it needs is in the {@link UploadRequest}.
 */
public final class UploadAuthorizer {
    /** share_v2.php refuses longer Content-Types; so do we. */
    static final int MAX_CONTENT_TYPE = 255;
    private static final Pattern EJABBERD_USER_DIR = Pattern.compile("[0-9a-f]{40}");

    private final List<MacSigner> signers;
    private final Set<Dialect> dialects;
    private final long maxUploadSize;
    private final Optional<JwtVerifier> jwt;

    /**
     * @param signers the current secret first, then any older ones still accepted during a rotation
     */
    public UploadAuthorizer(List<MacSigner> signers, Set<Dialect> dialects, long maxUploadSize, Optional<JwtVerifier> jwt) {
        this.signers = List.copyOf(signers);
        this.dialects = Set.copyOf(dialects);
        this.maxUploadSize = maxUploadSize;
        this.jwt = jwt;
    }

    public sealed interface Verdict {
    }

    public record Granted(UploadGrant grant) implements Verdict {
    }

    public record Refused(Rejection rejection) implements Verdict {
    }

    public Verdict authorize(UploadRequest req) {
        if (req.chunked()) {
            return refuse(411, NO_LENGTH, "Content-Length required: the signed size must be known before the body");
        }
        if (req.contentLength().isEmpty()) {
            return refuse(411, NO_LENGTH, "Content-Length required");
        }
        if (req.contentLength().size() > 1) {
            return refuse(400, BAD_LENGTH, "more than one Content-Length header");
        }
        long size = parseLength(req.contentLength().get(0));
        if (size < 0) {
            return refuse(400, BAD_LENGTH, "Content-Length is not a non-negative decimal number");
        }
        Optional<String> type = req.contentType();
        if (type.isPresent() && type.get().length() > MAX_CONTENT_TYPE) {
            return refuse(400, BAD_CONTENT_TYPE, "Content-Type longer than 255 characters");
        }

        Verdict verdict = checkToken(req, size);
        if (verdict instanceof Granted g && maxUploadSize > 0 && g.grant().size() > maxUploadSize) {
            return refuse(413, TOO_LARGE, "file of " + size + " bytes is larger than this server's limit of " + maxUploadSize + " bytes");
        }
        return verdict;
    }

    private Verdict checkToken(UploadRequest req, long size) {
        // Highest version present wins, even if it is wrong: never fall back to a weaker token.
        for (Dialect d : List.of(Dialect.V2, Dialect.TOKEN, Dialect.V)) {
            Optional<String> token = req.param(d.param());
            if (token.isPresent()) {
                if (!dialects.contains(d)) {
                    return refuse(403, DIALECT_DISABLED, "the " + d.param() + " dialect is not enabled on this server");
                }
                return checkMac(req, d, token.get(), size);
            }
        }
        Optional<String> bearer = req.authorization().filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7));
        if (bearer.isPresent() && jwt.isPresent() && dialects.contains(Dialect.JWT)) {
            return jwt.get().verify(bearer.get().substring(7).trim(), req.path(), size, req.contentType());
        }
        if (jwt.isPresent() && dialects.contains(Dialect.JWT)) {
            return new Refused(Rejection.of(401, MISSING_TOKEN, "no upload token: expected ?v=, ?v2=, ?token= or Authorization: Bearer"));
        }
        return refuse(403, MISSING_TOKEN, "no upload token: expected ?v=, ?v2= or ?token=");
    }

    private Verdict checkMac(UploadRequest req, Dialect d, String token, long size) {
        String path = req.path().value();
        Optional<String> header = req.contentType();
        String signedType = header.orElse(MacSigner.DEFAULT_CONTENT_TYPE);
        String message = MacSigner.message(d, path, size, signedType);
        if (matches(message, token)) {
            return grant(req, d, size, header);
        }
        // Movim declares content-type="" for unknown types and then sends no header: Prosody
        // signed the empty string. Path and size are still covered by the MAC.
        if (d != Dialect.V && header.isEmpty()) {
            String emptyType = MacSigner.message(d, path, size, "");
            if (matches(emptyType, token)) {
                return grant(req, d, size, header);
            }
        }
        String detail = "invalid MAC: dialect=" + d.param() + " signed=" + MacSigner.printable(message)
                + MacDiagnosis.hint(signers.get(0), d, req, size, token);
        return new Refused(Rejection.of(403, BAD_TOKEN, "Invalid MAC").withLogDetail(detail));
    }

    private boolean matches(String message, String token) {
        boolean ok = false;
        for (MacSigner s : signers) {
            ok |= s.verify(message, token); // no early exit: same time whichever secret matches
        }
        return ok;
    }

    private Verdict grant(UploadRequest req, Dialect d, long size, Optional<String> contentType) {
        return new Granted(new UploadGrant(req.path(), size, contentType, d, Optional.empty(), ownerOf(req.path())));
    }

    /** ejabberd puts SHA-1(user@host) first in every slot path: a stable per-user quota key. */
    static Optional<String> ownerOf(StorePath path) {
        if (path.segments().size() == 3 && EJABBERD_USER_DIR.matcher(path.firstSegment()).matches()) {
            return Optional.of(path.firstSegment());
        }
        return Optional.empty();
    }

    static long parseLength(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static Verdict refuse(int status, Rejection.Reason reason, String message) {
        return new Refused(Rejection.of(status, reason, message));
    }
}
