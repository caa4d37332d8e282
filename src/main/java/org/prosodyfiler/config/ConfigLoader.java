package org.prosodyfiler.config;

import com.electronwill.nightconfig.core.UnmodifiableConfig;
import com.electronwill.nightconfig.core.io.ParsingException;
import com.electronwill.nightconfig.toml.TomlParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.prosodyfiler.protocol.Dialect;

/**
 * Reads config.toml. Keys are matched case-insensitively, as the Go original's TOML library
 * does, so an existing Go config ("listenport", "storeDir", "UploadSubDir", ...) works unchanged.
 */
public final class ConfigLoader {

    /** The result: the config plus warnings (unknown keys) to log once logging is set up. */
    public record Loaded(Config config, List<String> warnings) {
    }

    private static final Set<String> TOP_LEVEL_KEYS = Set.of(
            "listenport", "unixsocket", "secret", "previoussecrets", "storedir", "uploadsubdir", "loglevel",
            "maxuploadsize", "dialects", "fsync", "accesslog", "logformat", "minfreespace",
            "readtimeout", "headertimeout", "ratelimit", "trustedproxies", "shutdowngrace", "maxconnections", "metricslisten", "expireafter",
            "storagequota", "storagequotapolicy", "dailyquotaperuser", "sweepinterval", "metronomedeletesecret", "storage", "s3");
    private static final Set<String> S3_KEYS = Set.of(
            "endpoint", "region", "bucket", "prefix", "pathstyle", "accesskey", "secretkey", "redirectdownloads", "presignttl");

    private ConfigLoader() {
    }

    public static Loaded load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist (use -config FILE)");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(text, file.toAbsolutePath().getParent());
    }

    /** Parses TOML text; relative paths are resolved against {@code baseDir} like the Go original's working dir. */
    public static Loaded parse(String toml, Path baseDir) {
        UnmodifiableConfig raw;
        try (Reader r = new java.io.StringReader(toml)) {
            raw = new TomlParser().parse(r);
        } catch (ParsingException | IOException e) {
            throw new ConfigException("config is not valid TOML: " + oneLine(e.getMessage()));
        }
        List<String> warnings = new ArrayList<>();
        Map<String, Object> top = lowerCased(raw, "", TOP_LEVEL_KEYS, warnings);
        return new Loaded(build(top, warnings), List.copyOf(warnings));
    }

    static Path path(String key, String value) {
        try {
            return Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigException(key + " \"" + value.replace("\0", "\\0") + "\" is not a valid path: " + e.getReason());
        }
    }

    private static Config build(Map<String, Object> c, List<String> warnings) {
        boolean unix = bool(c, "unixsocket", false);
        ListenAddress listen = ListenAddress.parse(string(c, "listenport", "[::]:5050"), unix);

        String secret = string(c, "secret", "");
        if (secret.isEmpty()) {
            throw new ConfigException("secret is missing or empty: set the same secret as in your XMPP server's config");
        }

        Path storeDir = path("storeDir", string(c, "storedir", "./upload/"));
        String sub = normalizeSubDir(string(c, "uploadsubdir", "upload/"));

        String level = string(c, "loglevel", "info").toLowerCase(Locale.ROOT);
        if (!Set.of("trace", "debug", "info", "warn", "warning", "error", "fatal", "panic").contains(level)) {
            throw new ConfigException("logLevel \"" + level + "\" is not one of debug, info, warn, error");
        }

        Set<Dialect> dialects = dialects(c.get("dialects"));
        String logFormat = string(c, "logformat", "text").toLowerCase(Locale.ROOT);
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new ConfigException("logFormat must be \"text\" or \"json\" (got \"" + logFormat + "\")");
        }

        Optional<ListenAddress> metrics = Optional.ofNullable(c.get("metricslisten"))
                .map(Object::toString).filter(s -> !s.isBlank()).map(s -> ListenAddress.parse(s, false));
        Optional<Duration> expireAfter = Optional.ofNullable(c.get("expireafter"))
                .map(v -> Sizes.duration("expireAfter", v));
        expireAfter.filter(d -> d.isZero() || d.isNegative()).ifPresent(d -> {
            throw new ConfigException("expireAfter must be positive (remove the key to keep files forever)");
        });

        Config.Storage storage = switch (string(c, "storage", "file").toLowerCase(Locale.ROOT)) {
            case "file" -> Config.Storage.FILE;
            case "s3" -> Config.Storage.S3;
            default -> throw new ConfigException("storage must be \"file\" or \"s3\"");
        };
        Optional<Config.S3Settings> s3 = s3(c.get("s3"), warnings);
        if (storage == Config.Storage.S3 && s3.isEmpty()) {
            throw new ConfigException("storage = \"s3\" needs an [s3] table with at least bucket");
        }

        int maxConnections = (int) Math.min(Integer.MAX_VALUE, Sizes.bytes("maxConnections", c.getOrDefault("maxconnections", 10_000L)));
        return new Config(
                listen,
                secret,
                previousSecrets(c.get("previoussecrets")),
                storeDir,
                sub,
                level,
                Sizes.bytes("maxUploadSize", c.getOrDefault("maxuploadsize", 0L)),
                dialects,
                bool(c, "fsync", true),
                bool(c, "accesslog", true),
                logFormat.equals("json"),
                Sizes.bytes("minFreeSpace", c.getOrDefault("minfreespace", 64L << 20)),
                Sizes.duration("readTimeout", c.getOrDefault("readtimeout", "60s")),
                Sizes.duration("headerTimeout", c.getOrDefault("headertimeout", "10s")),
                rate(c.getOrDefault("ratelimit", 100L)),
                stringList("trustedProxies", c.get("trustedproxies")),
                Sizes.duration("shutdownGrace", c.getOrDefault("shutdowngrace", "30s")),
                maxConnections,
                metrics,
                expireAfter,
                Sizes.bytes("storageQuota", c.getOrDefault("storagequota", 0L)),
                evictOldest(string(c, "storagequotapolicy", "refuse")),
                Sizes.bytes("dailyQuotaPerUser", c.getOrDefault("dailyquotaperuser", 0L)),
                Sizes.duration("sweepInterval", c.getOrDefault("sweepinterval", "10m")),
                Optional.ofNullable(c.get("metronomedeletesecret")).map(Object::toString).filter(s -> !s.isEmpty()),
                storage,
                s3);
    }

    private static Optional<Config.S3Settings> s3(Object value, List<String> warnings) {
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof UnmodifiableConfig table)) {
            throw new ConfigException("s3 must be a table: [s3]");
        }
        Map<String, Object> t = lowerCased(table, "s3.", S3_KEYS, warnings);
        String bucket = string(t, "bucket", "");
        if (bucket.isEmpty()) {
            throw new ConfigException("[s3] bucket is missing");
        }
        return Optional.of(new Config.S3Settings(
                string(t, "endpoint", ""),
                string(t, "region", "us-east-1"),
                bucket,
                string(t, "prefix", ""),
                bool(t, "pathstyle", false),
                Optional.ofNullable(t.get("accesskey")).map(Object::toString).filter(s -> !s.isEmpty()),
                Optional.ofNullable(t.get("secretkey")).map(Object::toString).filter(s -> !s.isEmpty()),
                bool(t, "redirectdownloads", false),
                presignTtl(t.getOrDefault("presignttl", "5m"))));
    }

    /** SigV4 presigned URLs are valid for at most 7 days; a second is the smallest useful unit. */
    private static Duration presignTtl(Object value) {
        Duration d = Sizes.duration("[s3] presignTtl", value);
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofDays(7)) > 0) {
            throw new ConfigException("[s3] presignTtl must be between 1s and 7d (got " + value + ")");
        }
        return d;
    }

    private static double rate(Object v) {
        if (v instanceof Number n && n.doubleValue() >= 0) {
            return n.doubleValue();
        }
        throw new ConfigException("rateLimit must be a number of requests per second (0 = off), got " + v);
    }

    private static List<String> stringList(String key, Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || list.stream().anyMatch(o -> !(o instanceof String))) {
            throw new ConfigException(key + " must be a list of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static boolean evictOldest(String policy) {
        return switch (policy.toLowerCase(Locale.ROOT)) {
            case "refuse" -> false;
            case "evict-oldest" -> true;
            default -> throw new ConfigException("storageQuotaPolicy must be \"refuse\" or \"evict-oldest\" (got \"" + policy + "\")");
        };
    }

    private static List<String> previousSecrets(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || list.stream().anyMatch(o -> !(o instanceof String s) || s.isEmpty())) {
            throw new ConfigException("previousSecrets must be a list of non-empty strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static Set<Dialect> dialects(Object value) {
        if (value == null) {
            return EnumSet.of(Dialect.V, Dialect.V2, Dialect.TOKEN, Dialect.JWT);
        }
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new ConfigException("dialects must be a non-empty list, e.g. [\"v\", \"v2\", \"token\", \"jwt\"]");
        }
        Set<Dialect> out = EnumSet.noneOf(Dialect.class);
        for (Object o : list) {
            out.add(Dialect.byName(String.valueOf(o)).orElseThrow(() ->
                    new ConfigException("dialects: unknown dialect \"" + o + "\" (known: v, v2, token, jwt)")));
        }
        return out;
    }

    static String normalizeSubDir(String s) {
        String t = s.trim();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.contains("..") || t.contains("\\") || t.contains("?") || t.contains("#") || t.contains("%")) {
            throw new ConfigException("uploadSubDir \"" + s + "\" must be a plain path such as \"upload/\"");
        }
        return t.isEmpty() ? "" : t + "/";
    }

    private static Map<String, Object> lowerCased(UnmodifiableConfig cfg, String prefix, Set<String> known, List<String> warnings) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (UnmodifiableConfig.Entry e : cfg.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (!known.contains(key)) {
                warnings.add("unknown config key \"" + prefix + e.getKey() + "\" is ignored");
                continue;
            }
            if (out.put(key, e.getValue()) != null) {
                throw new ConfigException("config key \"" + prefix + e.getKey() + "\" is set twice (keys are case-insensitive)");
            }
        }
        return out;
    }

    private static String string(Map<String, Object> c, String key, String dflt) {
        Object v = c.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new ConfigException(key + " must be a string in quotes (got " + v + ")");
    }

    private static boolean bool(Map<String, Object> c, String key, boolean dflt) {
        Object v = c.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(key + " must be true or false (got " + v + ")");
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
