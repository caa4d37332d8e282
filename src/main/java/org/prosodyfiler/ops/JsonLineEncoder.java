package org.prosodyfiler.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** One JSON object per line: time, level, logger, msg (and error), for log shippers. */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

    @Override
    public byte[] headerBytes() {
        return new byte[0];
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256).append('{');
        field(b, "time", Instant.ofEpochMilli(e.getTimeStamp()).toString()).append(',');
        field(b, "level", e.getLevel().toString()).append(',');
        field(b, "logger", e.getLoggerName()).append(',');
        field(b, "msg", e.getFormattedMessage());
        if (e.getThrowableProxy() != null) {
            b.append(',');
            field(b, "error", ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        return b.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return new byte[0];
    }

    private static StringBuilder field(StringBuilder b, String k, String v) {
        b.append('"').append(k).append("\":\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
