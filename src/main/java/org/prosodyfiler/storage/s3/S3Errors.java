package org.prosodyfiler.storage.s3;

import java.io.IOException;
import org.prosodyfiler.storage.StoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns SDK failures into what the rest of the server understands, in one line each. */
final class S3Errors {
    private S3Errors() {
    }

    static int status(SdkException e) {
        return e instanceof AwsServiceException s ? s.statusCode() : 0;
    }

    static boolean notFound(SdkException e) {
        return status(e) == 404;
    }

    /** 412: the object exists (If-None-Match: *) or changed (If-Match). */
    static boolean preconditionFailed(SdkException e) {
        return status(e) == 412;
    }

    /** S3 answers 409 ConditionalRequestConflict when two conditional writes of a key overlap. */
    static boolean conflict(SdkException e) {
        return status(e) == 409;
    }

    /** A server that does not implement a header we sent (some refuse If-None-Match). */
    static boolean notImplemented(SdkException e) {
        if (!(e instanceof AwsServiceException s)) {
            return false;
        }
        String code = s.awsErrorDetails() == null ? "" : String.valueOf(s.awsErrorDetails().errorCode());
        return s.statusCode() == 501 || code.equals("NotImplemented");
    }

    static String describe(SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            return "S3 " + s.statusCode() + " " + s.awsErrorDetails().errorCode() + ": " + s.awsErrorDetails().errorMessage();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    static IOException io(String what, SdkException e) {
        return new IOException(what + ": " + describe(e), e);
    }

    static StoreException store(String what, SdkException e) {
        // A server that is out of space says so with 507 (MinIO) or a quota error code.
        StoreException.Kind kind = status(e) == 507 ? StoreException.Kind.NO_SPACE : StoreException.Kind.IO;
        return new StoreException(kind, what + ": " + describe(e), e);
    }
}
