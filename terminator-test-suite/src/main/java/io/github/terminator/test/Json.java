package io.github.terminator.test;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import net.minidev.json.JSONValue;

/**
 * A parsed JSON document, read the way the tests read the actuator's answers. JSON Smart,
 * which every Boot line's test starter has, parses it: Spring Boot 3 has Jackson 2 and
 * Spring Boot 4 Jackson 3, so neither serves both.
 */
public final class Json implements Iterable<Json> {

	private static final Json MISSING = new Json(null);

	private final Object value;

	private Json(Object value) {
		this.value = value;
	}

	/**
	 * Parses a document.
	 * @param text the JSON text
	 * @return the document
	 */
	public static Json parse(String text) {
		return new Json(JSONValue.parse(text));
	}

	/**
	 * A member of an object.
	 * @param name the member's name
	 * @return its value, or a missing value
	 */
	public Json path(String name) {
		return (this.value instanceof Map<?, ?> map && map.containsKey(name)) ? new Json(map.get(name)) : MISSING;
	}

	/**
	 * An element of an array.
	 * @param index the element's index
	 * @return its value, or a missing value
	 */
	public Json get(int index) {
		return (this.value instanceof List<?> list && index < list.size()) ? new Json(list.get(index)) : MISSING;
	}

	/**
	 * Whether an object has a member, {@code null} or not.
	 * @param name the member's name
	 * @return whether it is there
	 */
	public boolean has(String name) {
		return this.value instanceof Map<?, ?> map && map.containsKey(name);
	}

	public String asText() {
		return (this.value != null) ? this.value.toString() : "";
	}

	public int asInt() {
		return (this.value instanceof Number number) ? number.intValue() : 0;
	}

	public long asLong() {
		return (this.value instanceof Number number) ? number.longValue() : 0;
	}

	public double asDouble() {
		return (this.value instanceof Number number) ? number.doubleValue() : 0;
	}

	public boolean asBoolean() {
		return Boolean.TRUE.equals(this.value);
	}

	@Override
	public Iterator<Json> iterator() {
		if (this.value instanceof List<?> list) {
			return list.stream().map(Json::new).iterator();
		}
		if (this.value instanceof Map<?, ?> map) {
			return map.values().stream().map(Json::new).iterator();
		}
		return List.<Json>of().iterator();
	}

	@Override
	public String toString() {
		return JSONValue.toJSONString(this.value);
	}

}
