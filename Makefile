# Sluice entry points: build, test, run, bench, clean (see README.md).
MVN ?= mvn
MVN_FLAGS ?= -B -q
JAR := proxy/target/sluice.jar
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
SOURCES := $(shell find protocol config proxy -path '*/src/main/*' -type f 2>/dev/null) pom.xml protocol/pom.xml config/pom.xml proxy/pom.xml

.PHONY: build test run bench clean

build: $(JAR)

$(JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -DskipTests package

# The one test command (CI runs it through .ci/run): unit tests, then integration tests against a private PostgreSQL.
test:
	$(MVN) -B verify
	java -jar $(JAR) --version   # the packaged jar runs with nothing else on the classpath

run: $(JAR)
	DATABASE_URL='$(DATABASE_URL)' java -jar $(JAR)

bench: $(JAR)
	bench/run.sh

clean:
	$(MVN) $(MVN_FLAGS) clean
