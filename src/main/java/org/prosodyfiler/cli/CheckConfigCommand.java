package org.prosodyfiler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "check-config", description = "Not yet available.")
final class CheckConfigCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("check-config: not implemented yet");
        return 1;
    }
}
