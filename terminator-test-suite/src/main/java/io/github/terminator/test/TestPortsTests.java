package io.github.terminator.test;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The suite's servers get ports of their own, below the ephemeral range, where the
 * system says which it is.
 */
class TestPortsTests {

	private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

	@Test
	void givesEachServerAPortOfItsOwnBelowTheEphemeralRange() throws Exception {
		assumeTrue(Files.isReadable(RANGE), "a system that says its ephemeral range");
		int ephemeralStart = TestPorts.ephemeralRangeStart();
		assertThat(ephemeralStart).as("read from " + RANGE).isGreaterThan(1024);
		int first = TestPorts.next();
		int second = TestPorts.next();
		assertThat(first).isPositive().isLessThan(ephemeralStart);
		assertThat(second).isPositive().isLessThan(ephemeralStart).isNotEqualTo(first);
	}

}
