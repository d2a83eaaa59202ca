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
        return TestDocker.run(remoteCommand(uri, keyFile, options, args), S3_KEYS);
    }

    /**
     * restic against {@code uri} started, its output and errors in one stream: for a test that stops it
     * on what it prints (a refusal that restic would retry for minutes).
     */
    public static Process startRemote(String uri, Path keyFile, Map<String, String> options, String... args)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(remoteCommand(uri, keyFile, options, args)).redirectErrorStream(true);
        pb.environment().putAll(S3_KEYS);
        return pb.start();
    }

    // S3Proxy's one access key; other backends ignore it
    private static final Map<String, String> S3_KEYS = Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);

    private static List<String> remoteCommand(String uri, Path keyFile, Map<String, String> options, String... args) {
        List<String> command = new ArrayList<>(List.of("restic", "--repo", uri, "--password-file", keyFile.toString(),
                "--no-cache"));
        options.forEach((k, v) -> command.addAll(List.of("-o", k + "=" + v)));
        command.addAll(List.of(args));
        return command;
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
