package io.github.terminator.core.spi;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The batches in which adapters close idle connections on their servers' threads, with a
 * thread the test runs by hand.
 */
class IdleClosesTests {

	private final List<String> events = new CopyOnWriteArrayList<>();

	private final Queue<Runnable> tasks = new ArrayDeque<>();

	private volatile boolean rejecting;

	private final Executor thread = (task) -> {
		if (this.rejecting) {
			throw new RejectedExecutionException("stopped");
		}
		this.tasks.add(task);
	};

	private final IdleCloses<String, String> closes = new IdleCloses<>((name) -> this.thread, (name, connection) -> {
		if (connection.startsWith("failing")) {
			throw new IllegalStateException(connection);
		}
		this.events.add("told " + connection);
		return !connection.startsWith("busy");
	}, (connection) -> this.events.add("closed " + connection));

	@Test
	void whenConnectionsAreHandedOverThenOneTaskTellsEachAndThenClosesThoseIdle() {
		this.closes.close("loop", "a");
		this.closes.close("loop", "busy b");
		this.closes.close("loop", "c");
		assertThat(this.tasks).hasSize(1);
		assertThat(this.events).isEmpty();
		this.tasks.remove().run();
		assertThat(this.events).containsExactly("told a", "told busy b", "told c", "closed a", "closed c");
	}

	@Test
	void whenAConnectionIsHandedOverAfterABatchRanThenAnotherTaskIsSubmitted() {
		this.closes.close("loop", "a");
		this.tasks.remove().run();
		this.closes.close("loop", "b");
		assertThat(this.tasks).hasSize(1);
		this.tasks.remove().run();
		assertThat(this.events).containsExactly("told a", "closed a", "told b", "closed b");
	}

	@Test
	void whenTheThreadRejectsTasksThenConnectionsHandedOverThenAndLaterAreClosedAtOnce() {
		this.rejecting = true;
		this.closes.close("loop", "a");
		this.closes.close("loop", "b");
		assertThat(this.events).containsExactly("closed a", "closed b");
		assertThat(this.tasks).isEmpty();
	}

	@Test
	void whenTheLookAtOneConnectionThrowsThenTheRestOfTheBatchIsClosedAndTheFailureThrownAfter() {
		this.closes.close("loop", "a");
		this.closes.close("loop", "failing b");
		this.closes.close("loop", "c");
		Runnable batch = this.tasks.remove();
		assertThatIllegalStateException().isThrownBy(batch::run).withMessage("failing b");
		assertThat(this.events).containsExactly("told a", "told c", "closed a", "closed c");
	}

	@Test
	void eachThreadHasItsOwnBatch() {
		this.closes.close("one", "a");
		this.closes.close("two", "b");
		assertThat(this.tasks).hasSize(2);
	}

}
