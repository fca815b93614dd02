package io.github.terminator.conformance;

import java.time.Duration;

import io.github.terminator.test.RawConnection;
import io.github.terminator.test.RunningServer;
import io.github.terminator.test.ServerSetup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the suite runs with {@code spring.threads.virtual.enabled=true} (as {@code .ci/run}
 * does on Java 21 and later), the servers really serve on virtual threads: the rest of the
 * suite then holds on them.
 */
@EnabledIfSystemProperty(named = "spring.threads.virtual.enabled", matches = "true")
class VirtualThreadsConformanceTests {

	@Test
	void tomcatServesRequestsOnVirtualThreads() throws Exception {
		try (RunningServer server = RunningServer.start(ServerSetup.defaultServer(false));
				RawConnection client = server.connect()) {
			String thread = client.get("/thread").readResponse(Duration.ofSeconds(5)).body();
			assertThat(thread).startsWith("VirtualThread[");
		}
	}

}
