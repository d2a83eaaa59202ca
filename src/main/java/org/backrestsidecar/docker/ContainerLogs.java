package org.backrestsidecar.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The last lines a container wrote: why a stream or a replaying server ended, in its own words. */
@ApplicationScoped
public class ContainerLogs {
    private final DockerClient docker;

    public ContainerLogs(DockerClient docker) {
        this.docker = docker;
    }

    public String tail(String containerId, int lines) {
        StringBuilder out = new StringBuilder();
        try {
            docker.logContainerCmd(containerId).withStdErr(true).withStdOut(true).withTail(lines)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "(its log cannot be read: " + e.getMessage() + ")";
        }
        return out.toString().strip();
    }
}
