package org.backrestsidecar.testing;

import java.util.Comparator;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;
import org.junit.jupiter.api.Order;

/**
 * The order of the scenario lane's classes within one sidecar boot (Quarkus's own orderer keeps the
 * boots together and asks this one within them, pom.xml): a class marked {@link Order} by its value,
 * every other class after them by its name, as before there was an order. A scenario that mostly
 * waits runs first, while the end-to-end suite beside it keeps the CPU busy (docs/testing.md).
 */
public final class OrderThenName implements ClassOrderer {
    @Override
    public void orderClasses(ClassOrdererContext context) {
        context.getClassDescriptors().sort(Comparator
                .comparingInt((ClassDescriptor c) -> c.findAnnotation(Order.class).map(Order::value).orElse(Order.DEFAULT))
                .thenComparing(c -> c.getTestClass().getName()));
    }
}
