package org.backrestsidecar.restic;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/** Something that writes one file's bytes into restic's stdin, e.g. a dump streamed out of a container. */
@FunctionalInterface
public interface StreamSource {
    /**
     * @return empty when everything was written and is good; otherwise why the data must not be kept
     *         (a dump that exited non-zero), in which case no snapshot is allowed to stand
     */
    Optional<String> writeTo(OutputStream out) throws IOException;
}
