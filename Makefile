# Sluice entry points: build, test, run, bench, dist, docker, clean (see README.md).
MVN ?= mvn
MVN_FLAGS ?= -B -q
JAR := proxy/target/sluice.jar
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
SOURCES := $(shell find protocol config proxy -path '*/src/main/*' -type f 2>/dev/null) pom.xml protocol/pom.xml config/pom.xml proxy/pom.xml

.PHONY: build test run bench dist docker clean

build: $(JAR)

$(JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -DskipTests package

# The one test command (CI runs it through .ci/run): unit tests, then integration tests against a private PostgreSQL.
test:
	$(MVN) -B verify
	java -jar $(JAR) --version   # the packaged jar runs with nothing else on the classpath
	deploy/dist.sh $(JAR)        # the tarball packs, unpacks and its start script runs the jar

# deploy/bin/sluice is the one launch command: the dist tarball, the container image and systemd use it too.
run: $(JAR)
	DATABASE_URL='$(DATABASE_URL)' SLUICE_JAR=$(JAR) deploy/bin/sluice

bench: $(JAR)
	bench/run.sh

# target/sluice-VERSION.tar.gz: jar, start script, example config, systemd unit (layout in deploy/dist.sh).
dist: $(JAR)
	deploy/dist.sh $(JAR)

# Needs a Docker engine; the image builds the jar itself with the same command as `build`.
docker:
	docker build -f deploy/Dockerfile -t sluice:latest .

clean:
	$(MVN) $(MVN_FLAGS) clean
