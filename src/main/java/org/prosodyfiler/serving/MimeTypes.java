package org.prosodyfiler.serving;

import java.util.Locale;
import java.util.Map;

/**
 * Content types by file extension, for files that have no recorded type (put there by hand or by
 * the Go original). Our own table, so the answer does not depend on the host's /etc/mime.types
 * (a real source of "works on my machine" in the Go peers). Never used to check a v2 MAC.
 */
public final class MimeTypes {
    public static final String DEFAULT = "application/octet-stream";

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            // images
            Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("jfif", "image/jpeg"),
            Map.entry("png", "image/png"), Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"),
            Map.entry("avif", "image/avif"), Map.entry("heic", "image/heic"), Map.entry("heif", "image/heif"),
            Map.entry("bmp", "image/bmp"), Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("tif", "image/tiff"),
            Map.entry("tiff", "image/tiff"), Map.entry("svg", "image/svg+xml"), Map.entry("jxl", "image/jxl"),
            // audio
            Map.entry("mp3", "audio/mpeg"), Map.entry("m4a", "audio/mp4"), Map.entry("aac", "audio/aac"),
            Map.entry("ogg", "audio/ogg"), Map.entry("oga", "audio/ogg"), Map.entry("opus", "audio/ogg"),
            Map.entry("wav", "audio/wav"), Map.entry("flac", "audio/flac"), Map.entry("amr", "audio/amr"),
            Map.entry("weba", "audio/webm"),
            // video
            Map.entry("mp4", "video/mp4"), Map.entry("m4v", "video/mp4"), Map.entry("mov", "video/quicktime"),
            Map.entry("webm", "video/webm"), Map.entry("mkv", "video/x-matroska"), Map.entry("ogv", "video/ogg"),
            Map.entry("3gp", "video/3gpp"), Map.entry("avi", "video/x-msvideo"),
            // text and documents
            Map.entry("txt", "text/plain"), Map.entry("log", "text/plain"), Map.entry("md", "text/markdown"),
            Map.entry("csv", "text/csv"), Map.entry("html", "text/html"), Map.entry("htm", "text/html"),
            Map.entry("xhtml", "application/xhtml+xml"), Map.entry("xml", "application/xml"),
            Map.entry("css", "text/css"), Map.entry("js", "text/javascript"), Map.entry("mjs", "text/javascript"),
            Map.entry("json", "application/json"), Map.entry("pdf", "application/pdf"),
            Map.entry("vcf", "text/vcard"), Map.entry("ics", "text/calendar"), Map.entry("gpx", "application/gpx+xml"),
            Map.entry("odt", "application/vnd.oasis.opendocument.text"),
            Map.entry("ods", "application/vnd.oasis.opendocument.spreadsheet"),
            Map.entry("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            Map.entry("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            Map.entry("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            Map.entry("doc", "application/msword"), Map.entry("xls", "application/vnd.ms-excel"),
            // archives and others
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"), Map.entry("tar", "application/x-tar"),
            Map.entry("7z", "application/x-7z-compressed"), Map.entry("apk", "application/vnd.android.package-archive"),
            Map.entry("pgp", "application/pgp-encrypted"), Map.entry("asc", "application/pgp-signature"));

    private MimeTypes() {
    }

    public static String forFileName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0 || dot == name.length() - 1) {
            return DEFAULT;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
