#!/usr/bin/env bash
# Installs an Apache Kafka broker (KRaft) from its Maven Central artifacts: org.apache.kafka:kafka_2.13 and its
# runtime dependencies, resolved by Maven into $CACHE/kafka/<version>/libs. The integration tests start it as
# `java -cp 'libs/*' kafka.Kafka server.properties` on loopback ports (test/support/kafka.ts).
# Idempotent and cached: does nothing when the stamp of the pinned version is there.
set -euo pipefail
KAFKA_VERSION="4.1.1"
CACHE="${UPDRAFT_CACHE:-$HOME/.cache/updraft}"
DIR="$CACHE/kafka/$KAFKA_VERSION"
STAMP="$DIR/.installed"
if [ -f "$STAMP" ] && [ -d "$DIR/libs" ]; then
  exit 0
fi
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven >/dev/null
fi
mkdir -p "$DIR"
WORK="$(mktemp -d "$DIR/.resolve.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# A tiny pom whose only purpose is to copy the broker and its runtime classpath (plus a log4j2 binding so the
# broker logs to stdout instead of warning that no binding is present).
cat >"$WORK/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.updraft</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
mvn -q -B -f "$WORK/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$WORK/libs"
rm -rf "$DIR/libs"
mv "$WORK/libs" "$DIR/libs"
touch "$STAMP"
echo "kafka $KAFKA_VERSION in $DIR/libs ($(ls "$DIR/libs" | wc -l) jars)"
