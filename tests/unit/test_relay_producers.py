"""The relay's producer on either client: settings translated for librdkafka, its errors classified
as the relay classifies kafka-python's (transient: retry the page; permanent: park the event)."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError as RdError

from consumers.producers import as_kafka_python_error, librdkafka_config, producer_factory
from consumers.relay import PRODUCER_DEFAULTS
from infra.settings import Settings, SettingsError
from projections.failures import is_transient


def test_every_relay_setting_has_its_librdkafka_property_and_the_guarantees_hold():
    config = librdkafka_config("b:9092", "eldercare-relay", PRODUCER_DEFAULTS)
    assert config["acks"] == "all" and config["enable.idempotence"] is True
    assert config["max.in.flight.requests.per.connection"] == 5
    assert config["delivery.timeout.ms"] == PRODUCER_DEFAULTS["delivery_timeout_ms"]
    with pytest.raises(ValueError, match="no confluent-kafka equivalent"):
        librdkafka_config("b:9092", "x", {"compression_codec": "gzip"})


@pytest.mark.parametrize(("code", "transient"), [
    (RdError._MSG_TIMED_OUT, True),
    (RdError._TRANSPORT, True),
    (RdError._ALL_BROKERS_DOWN, True),
    (RdError.NOT_LEADER_FOR_PARTITION, True),  # a retriable broker error code
    (RdError.MSG_SIZE_TOO_LARGE, False),
    (RdError.TOPIC_AUTHORIZATION_FAILED, False),
    (RdError._INVALID_ARG, False),
])
def test_librdkafka_errors_are_classified_as_the_relay_classifies_kafka_pythons(code, transient):
    assert is_transient(as_kafka_python_error(RdError(code))) is transient


def test_the_client_is_a_setting_and_an_unknown_one_is_refused():
    assert Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite"}).kafka_client == "kafka-python"
    chosen = Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite", "ELDERCARE_KAFKA_CLIENT": "confluent"})
    assert chosen.kafka_client == "confluent"
    with pytest.raises(SettingsError, match="ELDERCARE_KAFKA_CLIENT"):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite", "ELDERCARE_KAFKA_CLIENT": "librdkafka"})
    with pytest.raises(ValueError, match="unknown Kafka client"):
        producer_factory("b:9092", "rdkafka")


@pytest.mark.parametrize("prefix", ["a b", "中文", "eldercare/prod", ".", "x" * 201, "tab\there"])
def test_a_topic_prefix_kafka_cannot_name_topics_with_is_refused_at_start(prefix):
    with pytest.raises(SettingsError, match="ELDERCARE_TOPIC_PREFIX"):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite", "ELDERCARE_TOPIC_PREFIX": prefix})


@pytest.mark.parametrize("prefix", ["eldercare", "jc.eldercare", "prov-14_jc", ""])
def test_a_topic_prefix_of_kafka_topic_name_characters_is_kept(prefix):
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite", "ELDERCARE_TOPIC_PREFIX": prefix})
    assert settings.topic_prefix == prefix
