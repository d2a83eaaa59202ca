package org.backrestsidecar.nodes;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The other sidecars of a swarm, as Swarm's own DNS names them ({@code SIDECAR_PEERS=tasks.sidecar-node,
 * tasks.sidecar-repos}: one address per running task). Nothing is registered anywhere: a node that
 * runs a task is found, one that does not is not, and KnownNodes remembers it was there.
 */
@ApplicationScoped
public class Peers {
    private static final Logger LOG = Logger.getLogger(Peers.class);
    private final List<String> names;
    private final int port;
    private volatile List<String> lastFound = List.of();

    public Peers(@ConfigProperty(name = "sidecar.peers") Optional<List<String>> names,
                 @ConfigProperty(name = "sidecar.peers.port", defaultValue = "8080") int port) {
        this.names = names.orElse(List.of()).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        this.port = port;
    }

    /** Whether this sidecar is one of several (a swarm); alone, every view is its own. */
    public boolean any() {
        return !names.isEmpty();
    }

    public int port() {
        return port;
    }

    /** The addresses of every peer task now, this sidecar's own left out. */
    public List<String> addresses() {
        Set<String> own = ownAddresses();
        List<String> found = new ArrayList<>();
        for (String name : names) {
            try {
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    if (!own.contains(a.getHostAddress()) && !found.contains(a.getHostAddress())) {
                        found.add(a.getHostAddress());
                    }
                }
            } catch (UnknownHostException e) {
                // no task of that service runs now (Swarm's DNS answers nothing): no peer there
            }
        }
        List<String> sorted = found.stream().sorted().toList();
        if (!sorted.equals(lastFound)) {
            // the peers come and go with their tasks: each change is worth a line, a repeat is not
            LOG.infof("Swarm's DNS (%s) names %s", String.join(", ", names), sorted.isEmpty() ? "no other sidecar"
                    : String.join(", ", sorted));
            lastFound = sorted;
        }
        return found;
    }

    private static Set<String> ownAddresses() {
        Set<String> own = new HashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                Collections.list(nic.getInetAddresses()).forEach(a -> own.add(a.getHostAddress()));
            }
        } catch (SocketException e) {
            // no interfaces readable: at worst this sidecar asks itself once more
        }
        return own;
    }
}
