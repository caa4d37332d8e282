package org.prosodyfiler.ops.health;

import org.prosodyfiler.storage.Store;

/**
 * Answers the two questions an orchestrator or load balancer asks. Live: the process runs and
 * answers (a hung process answers nothing, so there is nothing to compute). Ready: new uploads
 * can succeed, i.e. the store is writable with space above {@code minFreeSpace}, and we are not
 * shutting down.
 */
public final class Health {
    private final Store store;
    private volatile boolean draining;

    public Health(Store store) {
        this.store = store;
    }

    /** The outcome of a check, with a one-line reason for humans. */
    public record Status(boolean ok, String detail) {
    }

    /** From now on {@link #ready()} says no: a balancer should stop sending uploads here. */
    public void draining() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    public Status live() {
        return new Status(true, "alive");
    }

    /** May block briefly: the store probes a write. */
    public Status ready() {
        if (draining) {
            return new Status(false, "shutting down");
        }
        try {
            Store.Readiness r = store.readiness();
            return new Status(r.ready(), r.detail());
        } catch (RuntimeException e) {
            return new Status(false, "readiness check failed: " + e);
        }
    }
}
