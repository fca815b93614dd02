package com.example.consumer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A web application on Spring Boot 4 that adds the starter and writes no terminator code.
 */
@SpringBootApplication
@RestController
public class ConsumerApplication {

	@GetMapping("/hello")
	String hello() {
		return "hello";
	}

	@GetMapping("/slow")
	String slow(@RequestParam long millis) throws InterruptedException {
		Thread.sleep(millis);
		return "slow";
	}

	public static void main(String[] args) {
		SpringApplication.run(ConsumerApplication.class, args);
	}

}
