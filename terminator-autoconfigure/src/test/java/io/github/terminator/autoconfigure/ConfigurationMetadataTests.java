package io.github.terminator.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.terminator.core.TerminatorSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IDE metadata the build generates for {@code terminator.*}: what users see as they
 * type a property.
 */
class ConfigurationMetadataTests {

	@Test
	void everyPropertyHasADescriptionAndItsDefaultAsUsersWriteIt() throws IOException {
		List<JsonNode> properties = terminatorProperties();
		assertThat(properties).extracting((property) -> property.path("name").asText())
			.contains("terminator.enabled", "terminator.drain-delay", "terminator.graceful-timeout",
					"terminator.max-wait", "terminator.quiet-period", "terminator.subscriptions");
		for (JsonNode property : properties) {
			if (property.has("deprecation")) {
				continue;
			}
			String name = property.path("name").asText();
			assertThat(property.path("description").asText()).as(name + " description").isNotBlank();
			assertThat(property.has("defaultValue")).as(name + " default").isTrue();
		}
		assertThat(defaultOf(properties, "terminator.drain-delay")).isEqualTo("0s");
		assertThat(defaultOf(properties, "terminator.graceful-timeout")).isEqualTo("10s");
		assertThat(defaultOf(properties, "terminator.max-wait")).isEqualTo("30s");
		assertThat(defaultOf(properties, "terminator.quiet-period")).isEqualTo("2500ms");
	}

	@Test
	void theDefaultQuietPeriodIsTheCoresOwn() {
		assertThat(new TerminatorProperties().getQuietPeriod()).isEqualTo(TerminatorSettings.DEFAULT_QUIET_PERIOD);
	}

	@Test
	void theRemovedPropertyIsAnErrorThatNamesItsReplacement() throws IOException {
		JsonNode removed = terminatorProperties().stream()
			.filter((property) -> property.path("name").asText().equals("terminator.complete-emitters"))
			.findFirst()
			.orElseThrow();
		assertThat(removed.path("deprecation").path("level").asText()).isEqualTo("error");
		assertThat(removed.path("deprecation").path("replacement").asText()).isEqualTo("terminator.subscriptions");
	}

	private static String defaultOf(List<JsonNode> properties, String name) {
		return properties.stream()
			.filter((property) -> property.path("name").asText().equals(name))
			.findFirst()
			.orElseThrow()
			.path("defaultValue")
			.asText();
	}

	private static List<JsonNode> terminatorProperties() throws IOException {
		try (InputStream metadata = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated metadata").isNotNull();
			List<JsonNode> properties = new ArrayList<>();
			for (JsonNode property : new ObjectMapper().readTree(metadata).path("properties")) {
				if (property.path("name").asText().startsWith("terminator.")) {
					properties.add(property);
				}
			}
			return properties;
		}
	}

}
