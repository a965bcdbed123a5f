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
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VALIDATOR_SRC="$HERE/../../test/support/kafka-msk-validator/MskIamValidator.java"
# The integration tests' broker-side AWS MSK IAM token validator (test/support/kafka-msk-validator), compiled
# against the broker's kafka-clients jar; rebuilt when its source changes.
build_validator() {
  local sum out
  sum="$(sha256sum "$VALIDATOR_SRC" | cut -c1-16)"
  out="$DIR/msk-validator/$sum"
  if [ ! -f "$out/dev/updraft/MskIamValidator.class" ]; then
    rm -rf "$DIR/msk-validator"
    mkdir -p "$out"
    javac -nowarn -d "$out" -cp "$DIR/libs/*" "$VALIDATOR_SRC"
  fi
  ln -sfn "$out" "$DIR/msk-validator/current"
}
if [ -f "$STAMP" ] && [ -d "$DIR/libs" ]; then
  build_validator
  exit 0
fi
if ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
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
mvn -q -B -Dstyle.color=never -f "$WORK/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$WORK/libs"
rm -rf "$DIR/libs"
mv "$WORK/libs" "$DIR/libs"
touch "$STAMP"
build_validator
echo "kafka $KAFKA_VERSION in $DIR/libs ($(ls "$DIR/libs" | wc -l) jars)"
