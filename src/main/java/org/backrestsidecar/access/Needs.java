package org.backrestsidecar.access;

import org.backrestsidecar.config.Role;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The role an API method needs. Without it, reading (GET) needs {@code viewer} and anything else
 * {@code admin}: a new endpoint that forgets this is closed, not open.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Needs {
    Role value();
}
