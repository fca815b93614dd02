package io.github.terminator.autoconfigure;

import io.github.terminator.core.Terminator;

import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the termination when the application context closes, before Spring Boot's own
 * graceful shutdown of the web server.
 * <p>
 * The termination runs on the closing thread and returns by {@code terminator.max-wait}
 * whatever happens, so the phase takes as long as the configuration says, whatever
 * {@code spring.lifecycle.timeout-per-shutdown-phase} is.
 */
public class TerminatorLifecycle implements SmartLifecycle {

	/**
	 * The phase of the termination: just above Spring Boot's graceful shutdown, so it is
	 * stopped right before it.
	 */
	public static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;

	private final Terminator terminator;

	private volatile boolean running;

	/**
	 * Creates the lifecycle of a terminator.
	 * @param terminator the terminator to run on shutdown
	 */
	public TerminatorLifecycle(Terminator terminator) {
		this.terminator = terminator;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.terminator.terminate();
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
