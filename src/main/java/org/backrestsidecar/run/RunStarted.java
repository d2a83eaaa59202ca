package org.backrestsidecar.run;

/** Fired when a plan's run begins its work (heartbeat services are told "started"). */
public record RunStarted(String id, String plan) {
}
