package org.prosodyfiler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "sign", description = "Not yet available.")
final class SignCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("sign: not implemented yet");
        return 1;
    }
}
