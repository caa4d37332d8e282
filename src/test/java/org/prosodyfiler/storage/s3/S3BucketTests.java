package org.prosodyfiler.storage.s3;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** One real S3 server (S3Proxy) per test class, and a fresh bucket for every test. */
abstract class S3BucketTests {
    @TempDir
    static Path shared;
    static S3ProxyFixture s3;

    @TempDir
    Path dir;
    String bucket;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyFixture.start(shared);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
    }

    @BeforeEach
    void newBucket() {
        bucket = s3.createBucket();
    }
}
