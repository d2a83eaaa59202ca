package org.backrestsidecar.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The restic command line as an operator would use it by hand, to check what the sidecar stored. */
public final class ResticCli {
    private ResticCli() {
    }

    public static String run(Path repo, Path keyFile, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("restic", "--repo", repo.toString(), "--password-file",
                keyFile.toString(), "--no-cache"));
        command.addAll(List.of(args));
        return TestDocker.run(command, Map.of());
    }

    /** As {@link #run}, for a repo at any restic URI with extended options ({@code -o k=v}). */
    public static String remote(String uri, Path keyFile, Map<String, String> options, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("restic", "--repo", uri, "--password-file", keyFile.toString(),
                "--no-cache"));
        options.forEach((k, v) -> command.addAll(List.of("-o", k + "=" + v)));
        command.addAll(List.of(args));
        // S3Proxy's one access key; other backends ignore it
        return TestDocker.run(command, Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY));
    }

    /** {@code restic dump} of one file into {@code out}, byte for byte ({@code latest}: the latest holding it). */
    public static void dump(Path repo, Path keyFile, String snapshot, String file, Path out)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("restic", "--repo", repo.toString(),
                "--password-file", keyFile.toString(), "--no-cache", "dump", snapshot, file));
        if (snapshot.equals("latest")) {
            command.addAll(List.of("--path", file));
        }
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IOException("restic dump " + snapshot + " " + file + " exited " + p.exitValue());
        }
    }
}
