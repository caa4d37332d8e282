package org.prosodyfiler.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.prosodyfiler.protocol.Dialect;

/**
 * The whole configuration, immutable, built once at startup by {@link ConfigLoader}.
 * Every key of the Go original keeps its name and meaning; the rest are ours, with safe defaults.
 *
 * @param evictOldest when the storage quota is reached, delete the oldest files instead of refusing uploads
 * @param headerTimeout  a request's head must arrive completely within this, once its first byte did
 * @param rateLimit      requests per second per client address (burst 4x); 0 = off
 * @param trustedProxies proxies whose X-Forwarded-For names the real client (for rate limits)
 * @param previousSecrets older secrets still accepted while the XMPP server's secret is rotated
 * @param uploadSubDir URL prefix without leading slash, with a trailing slash ("upload/"), or "" for the root
 */
public record Config(
        ListenAddress listen,
        String secret,
        java.util.List<String> previousSecrets,
        Path storeDir,
        String uploadSubDir,
        String logLevel,
        long maxUploadSize,
        Set<Dialect> dialects,
        boolean fsync,
        boolean accessLog,
        boolean jsonLogs,
        long minFreeSpace,
        Duration readTimeout,
        Duration headerTimeout,
        double rateLimit,
        java.util.List<String> trustedProxies,
        Duration shutdownGrace,
        int maxConnections,
        Optional<ListenAddress> metricsListen,
        Optional<Duration> expireAfter,
        long storageQuota,
        boolean evictOldest,
        long dailyQuotaPerUser,
        Duration sweepInterval,
        Optional<String> metronomeDeleteSecret,
        Storage storage,
        Optional<S3Settings> s3) {

    public enum Storage { FILE, S3 }

    /**
     * The [s3] table. Credentials are optional: absent means environment / AWS default chain.
     *
     * @param redirectDownloads answer a download GET with a 302 to a presigned S3 URL instead of streaming it
     * @param presignTtl        how long such a URL stays valid
     */
    public record S3Settings(
            String endpoint,
            String region,
            String bucket,
            String prefix,
            boolean pathStyle,
            Optional<String> accessKey,
            Optional<String> secretKey,
            boolean redirectDownloads,
            Duration presignTtl) {

        @Override
        public String toString() {
            // Never print the secret key, even by accident in a debug log.
            return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                    + ", prefix=" + prefix + ", pathStyle=" + pathStyle + ", redirectDownloads=" + redirectDownloads
                    + ", accessKey=" + accessKey.map(k -> "(set)").orElse("(default chain)") + "]";
        }
    }

    /** The URL path prefix of uploads and downloads, e.g. "/upload/". */
    public String urlPrefix() {
        return "/" + uploadSubDir;
    }

    @Override
    public String toString() {
        return "Config[listen=" + listen + ", storeDir=" + storeDir + ", uploadSubDir=" + uploadSubDir
                + ", maxUploadSize=" + maxUploadSize + ", dialects=" + dialects + ", fsync=" + fsync
                + ", storage=" + storage + ", secret=(hidden)]";
    }
}
