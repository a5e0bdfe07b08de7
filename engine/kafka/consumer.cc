// Consumer: see duban/kafka/consumer.h.
#include "duban/kafka/consumer.h"

#include <map>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "internal.h"
#include "duban/log.h"

namespace duban::kafka {

namespace {
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, internal::PartitionListDeleter>;

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* l) {
  std::vector<TopicPartition> out;
  if (!l) return out;
  out.reserve(l->cnt);
  for (int i = 0; i < l->cnt; ++i)
    out.push_back(TopicPartition{l->elems[i].topic, l->elems[i].partition, l->elems[i].offset});
  return out;
}

ListPtr ToList(const std::vector<TopicPartition>& v) {
  ListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(v.size())));
  for (auto& tp : v) rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition)->offset = tp.offset;
  return l;
}

Message CopyOut(const rd_kafka_message_t* m, bool headers) {
  Message out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  if (m->key) out.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) out.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t tstype;
  int64_t ts = rd_kafka_message_timestamp(m, &tstype);
  out.timestamp_ms = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
  rd_kafka_headers_t* hdrs = nullptr;
  if (headers && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
      out.headers.emplace_back(name, val ? std::string(static_cast<const char*>(val), size) : std::string());
  }
  return out;
}
}  // namespace

struct Consumer::Impl {
  rd_kafka_t* rk = nullptr;
  RebalanceListener listener;
  bool skip_headers = false;
  bool closed = false;     // after Close: every call but Close fails
  bool closing = false;    // inside Close: the final revoke may still commit
  Status rebalance_error;  // an assign/unassign call that failed inside the callback
  // Per partition of the topic read: the offset of the last end-of-partition
  // event (the fetcher's position, which is past control records).
  std::map<std::pair<std::string, int32_t>, int64_t> eof;

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      std::vector<TopicPartition> v = ToVector(parts);
      for (auto& tp : v) tp.offset = kOffsetInvalid;
      if (self->listener) self->listener(RebalanceKind::kAssigned, v);
      // Partitions the listener left open start at the group's committed
      // offset, else at the beginning. This is resolved here because
      // auto.offset.reset is "error": a stored offset that fell out of the
      // log must surface, not be skipped silently.
      ListPtr open(rd_kafka_topic_partition_list_new(static_cast<int>(v.size())));
      for (auto& tp : v)
        if (tp.offset == kOffsetInvalid) rd_kafka_topic_partition_list_add(open.get(), tp.topic.c_str(), tp.partition);
      if (open->cnt > 0) {
        rd_kafka_resp_err_t cerr = rd_kafka_committed(rk, open.get(), 30000);
        for (auto& tp : v) {
          if (tp.offset != kOffsetInvalid) continue;
          rd_kafka_topic_partition_t* c =
              rd_kafka_topic_partition_list_find(open.get(), tp.topic.c_str(), tp.partition);
          tp.offset = (!cerr && c && c->offset >= 0) ? c->offset : kOffsetBeginning;
        }
      }
      for (size_t i = 0; i < v.size(); ++i) parts->elems[i].offset = v[i].offset;
      log::Kafka().debug("kafka consumer: assigned {} partitions", v.size());
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) {
          self->rebalance_error = Status::IOError(std::string("incremental assign: ") + rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts)) {
        self->rebalance_error = internal::FromError(e, "assign");
      }
    } else {
      std::vector<TopicPartition> v = ToVector(parts);
      if (self->listener) self->listener(RebalanceKind::kRevoked, v);
      log::Kafka().debug("kafka consumer: revoked {} partitions ({})", v.size(), rd_kafka_err2name(err));
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
          self->rebalance_error = Status::IOError(std::string("incremental unassign: ") + rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
        }
      } else {
        rd_kafka_assign(rk, nullptr);
      }
    }
  }
};

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Consumer>> Consumer::Create(const KafkaConfig& cfg, const std::string& group_id) {
  std::string group = group_id;
  if (group.empty()) {
    // rd_kafka_consumer_poll needs a group handle even in assign mode; this
    // group is never joined and nothing is committed to it unless asked.
    std::random_device rd;
    group = "duban-assign-" + std::to_string(rd());
  }
  const int heartbeat = std::max(100, std::min(3000, cfg.session_timeout_ms / 3));
  std::string error;
  rd_kafka_conf_t* conf = internal::MakeConf(cfg,
                                             {
                                                 {"group.id", group},
                                                 {"enable.auto.commit", "false"},
                                                 {"enable.auto.offset.store", "false"},
                                                 // Never skip silently: an offset outside the log (data deleted,
                                                 // e.g. by the mock's 5 MiB-per-partition cap) is returned by Poll.
                                                 {"auto.offset.reset", "error"},
                                                 {"session.timeout.ms", std::to_string(cfg.session_timeout_ms)},
                                                 {"heartbeat.interval.ms", std::to_string(heartbeat)},
                                                 // librdkafka's default, said out loud: duban.events is written in
                                                 // transactions on a real cluster, and only committed ones count.
                                                 {"isolation.level", "read_committed"},
                                                 // End-of-partition events carry the fetch position, which moves
                                                 // past transaction markers (Position).
                                                 {"enable.partition.eof", "true"},
                                             },
                                             &error);
  if (!conf) return Status::InvalidArgument("kafka consumer config: " + error);
  auto impl = std::make_unique<Impl>();
  rd_kafka_conf_set_opaque(conf, impl.get());
  rd_kafka_conf_set_rebalance_cb(conf, &Impl::OnRebalance);
  char errstr[512];
  impl->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!impl->rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka consumer: ") + errstr);
  }
  rd_kafka_poll_set_consumer(impl->rk);
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

Consumer::~Consumer() {
  if (!impl_) return;
  Status st = Close();
  if (!st.ok()) log::Kafka().warn("kafka consumer close: {}", st.ToString());
}

Status Consumer::Subscribe(const std::vector<std::string>& topics, RebalanceListener listener) {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  impl_->listener = std::move(listener);
  ListPtr l(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (auto& t : topics) rd_kafka_topic_partition_list_add(l.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(impl_->rk, l.get())) return internal::FromError(err, "subscribe");
  return Status::Ok();
}

Status Consumer::Assign(const std::vector<TopicPartition>& partitions) {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  ListPtr l = ToList(partitions);
  if (rd_kafka_resp_err_t err = rd_kafka_assign(impl_->rk, l.get())) return internal::FromError(err, "assign");
  return Status::Ok();
}

Result<std::vector<Message>> Consumer::Poll(int timeout_ms, size_t max_messages) {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  std::vector<Message> out;
  int wait = timeout_ms;
  bool reserved = false;
  while (out.size() < max_messages) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(impl_->rk, wait);
    if (!impl_->rebalance_error.ok()) {
      Status st = impl_->rebalance_error;
      impl_->rebalance_error = Status::Ok();
      if (m) rd_kafka_message_destroy(m);
      return st;
    }
    if (!m) break;
    if (m->err) {
      rd_kafka_resp_err_t err = m->err;
      if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->rkt) {
        int64_t& at = impl_->eof[{rd_kafka_topic_name(m->rkt), m->partition}];
        at = std::max(at, static_cast<int64_t>(m->offset));
        rd_kafka_message_destroy(m);
        continue;
      }
      std::string what = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      if (err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
        return Status::Corruption("kafka consumer: offset outside the log (" + what +
                                  "): messages were deleted before they were read");
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(impl_->rk, buf, sizeof buf);
        return internal::FromError(orig, std::string("fatal consumer error: ") + buf);
      }
      if (err == RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT || err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
          err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL) {
        // librdkafka would retry these forever and the member would never
        // join: a setting the cluster refuses is the operator's to fix.
        std::string hint;
        if (err == RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT)
          hint =
              ": the session timeout is outside the broker's group.min.session.timeout.ms .. "
              "group.max.session.timeout.ms (6000 .. 1800000 by default)";
        return Status::InvalidArgument("kafka consumer: the cluster refuses to let this member join (" + what + ")" +
                                       hint);
      }
      log::Kafka().debug("kafka consumer: {} ({})", what, rd_kafka_err2name(err));
      break;  // transient; librdkafka retries by itself
    }
    if (!reserved) {
      // Once the first message is in: growing one by one from empty moves
      // every message at each doubling (seen in profiles of 20,000-message
      // polls). 4096 skips the small steps without making a poll of one
      // message allocate megabytes.
      reserved = true;
      out.reserve(std::min<size_t>(max_messages, 4096));
    }
    out.push_back(CopyOut(m, !impl_->skip_headers));
    rd_kafka_message_destroy(m);
    wait = 0;  // after the first message, take only what is already here
  }
  return out;
}

void Consumer::SkipHeaders(bool skip) { impl_->skip_headers = skip; }

Status Consumer::Commit(const std::vector<TopicPartition>& offsets, bool async) {
  if (impl_->closed && !impl_->closing) return Status::InvalidArgument("consumer is closed");
  if (offsets.empty()) return Status::Ok();
  ListPtr l = ToList(offsets);
  if (rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk, l.get(), async ? 1 : 0))
    return internal::FromError(err, "commit");
  if (!async) {
    for (int i = 0; i < l->cnt; ++i)
      if (l->elems[i].err) return internal::FromError(l->elems[i].err, "commit " + std::string(l->elems[i].topic));
  }
  return Status::Ok();
}

Result<std::vector<TopicPartition>> Consumer::Committed(const std::vector<TopicPartition>& partitions, int timeout_ms) {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  ListPtr l = ToList(partitions);
  if (rd_kafka_resp_err_t err = rd_kafka_committed(impl_->rk, l.get(), timeout_ms))
    return internal::FromError(err, "committed");
  return ToVector(l.get());
}

Result<std::vector<TopicPartition>> Consumer::Assignment() const {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_assignment(impl_->rk, &raw)) return internal::FromError(err, "assignment");
  ListPtr l(raw);
  return ToVector(l.get());
}

Result<std::pair<int64_t, int64_t>> Consumer::Watermarks(const std::string& topic, int32_t partition, int timeout_ms) {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  // A real cluster answers "not leader" / "leader not available" while a
  // partition's leader is being elected: just after the topic was created,
  // or when a broker went away. Those pass; ask again until the time is up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    int64_t lo = 0, hi = 0;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(impl_->rk, topic.c_str(), partition, &lo, &hi,
                                                                     static_cast<int>(std::max<int64_t>(left, 1)));
    if (!err) return std::make_pair(lo, hi);
    const bool passes = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                        err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                        err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    if (!passes || left <= 100) return internal::FromError(err, "watermarks of " + topic);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::shared_ptr<rd_kafka_consumer_group_metadata_s> Consumer::GroupMetadata() const {
  if (impl_->closed) return nullptr;
  return std::shared_ptr<rd_kafka_consumer_group_metadata_s>(rd_kafka_consumer_group_metadata(impl_->rk),
                                                             [](rd_kafka_consumer_group_metadata_t* m) {
                                                               if (m) rd_kafka_consumer_group_metadata_destroy(m);
                                                             });
}

Result<std::pair<int64_t, int64_t>> Consumer::CachedWatermarks(const std::string& topic, int32_t partition) const {
  if (impl_->closed) return Status::InvalidArgument("consumer is closed");
  int64_t lo = -1, hi = -1;
  if (rd_kafka_get_watermark_offsets(impl_->rk, topic.c_str(), partition, &lo, &hi) || hi < 0)
    return Status::NotFound("no watermarks of " + topic + " [" + std::to_string(partition) + "] yet");
  return std::make_pair(lo, hi);
}

int64_t Consumer::Position(const std::string& topic, int32_t partition) const {
  if (impl_->closed) return -1;
  int64_t pos = -1;
  ListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), partition);
  if (!rd_kafka_position(impl_->rk, l.get()) && l->elems[0].offset >= 0) pos = l->elems[0].offset;
  if (auto it = impl_->eof.find({topic, partition}); it != impl_->eof.end()) pos = std::max(pos, it->second);
  return pos;
}

Status Consumer::Close() {
  if (impl_->closed) return Status::Ok();
  impl_->closed = true;
  impl_->closing = true;
  // Leaves the group; the rebalance callback runs (revoke) inside this call
  // and may still Commit.
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(impl_->rk);
  impl_->closing = false;
  rd_kafka_destroy(impl_->rk);
  impl_->rk = nullptr;
  if (err) return internal::FromError(err, "consumer close");
  return Status::Ok();
}

}  // namespace duban::kafka
