package org.backrestsidecar.notify;

import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.backrestsidecar.config.NotificationsConfig;

/**
 * E-mail over SMTP: STARTTLS required by default (or TLS from the first byte, or none for a relay
 * on the same host), with a login whose password is read from a file at each delivery so that a
 * changed password needs no restart. The server's certificate is checked against the JVM's CAs.
 */
final class EmailChannel implements Channel {
    private final NotificationsConfig.Email config;
    private final Vertx vertx;

    EmailChannel(NotificationsConfig.Email config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    @Override
    public NotificationsConfig.Channel config() {
        return config;
    }

    @Override
    public String type() {
        return "email";
    }

    @Override
    public void deliver(Letter letter) throws DeliveryFailed {
        MailConfig mail = new MailConfig().setHostname(config.host()).setPort(config.port())
                .setConnectTimeout(10_000).setKeepAlive(false)
                .setSsl(config.security().equals("tls"))
                .setStarttls(config.security().equals("starttls") ? StartTLSOptions.REQUIRED : StartTLSOptions.DISABLED);
        if (config.username().isPresent()) {
            String password;
            try {
                password = Files.readString(config.passwordFile().orElseThrow(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new DeliveryFailed("the SMTP password file " + config.passwordFile().orElseThrow()
                        + " cannot be read");
            }
            mail.setLogin(LoginOption.REQUIRED).setUsername(config.username().get()).setPassword(password);
        } else {
            mail.setLogin(LoginOption.DISABLED);
        }
        Notice n = letter.notice();
        MailMessage message = new MailMessage().setFrom(config.from()).setTo(config.to()).setSubject(n.subject())
                .setText(n.text());
        MailClient client = MailClient.create(vertx, mail);
        try {
            client.sendMail(message).toCompletionStage().toCompletableFuture()
                    .get(HttpPost.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new DeliveryFailed("SMTP " + config.host() + ":" + config.port() + " refused the mail: "
                    + HttpPost.firstLine(String.valueOf(cause.getMessage())));
        } catch (TimeoutException e) {
            throw new DeliveryFailed("SMTP " + config.host() + ":" + config.port() + " did not answer in "
                    + HttpPost.TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryFailed("interrupted: the sidecar is stopping");
        } finally {
            client.close();
        }
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("server", config.host() + ":" + config.port());
        out.put("security", config.security());
        config.username().ifPresent(u -> out.put("username", u));
        out.put("from", config.from());
        out.put("to", config.to());
        return out;
    }
}
