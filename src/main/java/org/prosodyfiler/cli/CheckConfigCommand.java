package org.prosodyfiler.cli;

import java.util.concurrent.Callable;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.storage.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** Validates the config and the store without starting the server: for deploy scripts and packages. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Check the config file and that the store is usable; exit 0 if the server would start.")
final class CheckConfigCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        return AdminContext.run(() -> {
            ConfigLoader.Loaded loaded = ConfigLoader.load(main.config);
            loaded.warnings().forEach(w -> System.out.println("warning: " + w));
            Config c = AdminContext.config(main.config);
            System.out.println("listen      " + c.listen() + c.urlPrefix());
            System.out.println("storage     " + (c.storage() == Config.Storage.S3 ? c.s3().orElseThrow() : c.storeDir()));
            System.out.println("dialects    " + c.dialects());
            System.out.println("maxUpload   " + (c.maxUploadSize() == 0 ? "no limit" : c.maxUploadSize() + " bytes"));
            System.out.println("expiry      " + c.expireAfter().map(Object::toString).orElse("never"));
            if (c.secret().length() < 16) {
                System.out.println("warning: the secret is short; use e.g. `openssl rand -hex 32` on both sides");
            }
            try (Store store = AdminContext.store(c)) {
                Store.Readiness r = store.readiness();
                System.out.println("store       " + (r.ready() ? "ok, " : "NOT READY, ") + r.detail());
                if (!r.ready()) {
                    return 1;
                }
            }
            System.out.println("config ok");
            return 0;
        });
    }
}
