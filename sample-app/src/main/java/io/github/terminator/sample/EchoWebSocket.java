package io.github.terminator.sample;

import java.io.IOException;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * A WebSocket on {@code /ws} that echoes each text message: stop the application while
 * a client is connected to see it get a close frame with 1001 Going Away.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
public class EchoWebSocket extends TextWebSocketHandler implements WebSocketConfigurer {

	@Override
	public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
		registry.addHandler(this, "/ws");
	}

	@Override
	protected void handleTextMessage(WebSocketSession session, TextMessage message) throws IOException {
		session.sendMessage(new TextMessage("echo " + message.getPayload()));
	}

}
