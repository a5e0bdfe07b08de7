// Producer: see duban/kafka/producer.h.
#include "duban/kafka/producer.h"

#include <atomic>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "duban/kafka/consumer.h"
#include "internal.h"
#include "duban/log.h"

namespace duban::kafka {

namespace {
// What a message's opaque points at, so the delivery callback knows which
// kind of report it owes.
struct Opaque {
  bool is_group = false;
};
}  // namespace

// The message opaque of grouped messages: no allocation per message.
struct DeliveryGroup::State : Opaque {
  State() { is_group = true; }
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  int64_t enqueued = 0;  // guarded by mu
  int64_t reported = 0;  // guarded by mu
  int64_t max_offset = -1;
  Status first_error;
  // Set while reports are outstanding: the state lives until the last one
  // arrives, whatever the caller does with its DeliveryGroup meanwhile.
  std::shared_ptr<State> self;
};

DeliveryGroup::DeliveryGroup() : state_(std::make_shared<State>()) {}

bool DeliveryGroup::Done() const {
  std::lock_guard lock(state_->mu);
  return state_->reported >= state_->enqueued;
}

bool DeliveryGroup::Wait(int timeout_ms) const {
  std::unique_lock lock(state_->mu);
  auto done = [this] { return state_->reported >= state_->enqueued; };
  if (timeout_ms < 0) {
    state_->cv.wait(lock, done);
    return true;
  }
  return state_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
}

int64_t DeliveryGroup::size() const {
  std::lock_guard lock(state_->mu);
  return state_->enqueued;
}

Status DeliveryGroup::status() const {
  std::lock_guard lock(state_->mu);
  return state_->first_error;
}

int64_t DeliveryGroup::max_offset() const {
  std::lock_guard lock(state_->mu);
  return state_->max_offset;
}

namespace {
// The message opaque when the caller wants a future.
struct Pending : Opaque {
  std::promise<Result<Delivery>> promise;
};
}  // namespace

struct Producer::Impl {
  rd_kafka_t* rk = nullptr;
  int message_timeout_ms = 30000;
  std::atomic<bool> stop{false};
  std::thread poller;
  mutable std::mutex mu;
  std::vector<DeliveryFailure> failures;  // guarded by mu
  Status fatal;                           // guarded by mu

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    auto* op = static_cast<Opaque*>(m->_private);
    if (op && op->is_group) {
      // Hot path: no strings built unless the delivery failed.
      auto& g = static_cast<DeliveryGroup::State&>(*op);
      std::shared_ptr<DeliveryGroup::State> keep;  // released after the lock
      std::lock_guard lock(g.mu);
      if (m->err) {
        if (g.first_error.ok())
          g.first_error = internal::FromError(m->err, std::string("delivery to ") + rd_kafka_topic_name(m->rkt));
      } else {
        g.max_offset = std::max(g.max_offset, static_cast<int64_t>(m->offset));
      }
      if (++g.reported >= g.enqueued) {
        keep = std::move(g.self);
        g.cv.notify_all();
      }
      return;
    }
    auto* pending = static_cast<Pending*>(op);
    std::string topic = rd_kafka_topic_name(m->rkt);
    if (m->err) {
      Status st = internal::FromError(m->err, "delivery to " + topic);
      if (pending) {
        pending->promise.set_value(st);
      } else {
        std::lock_guard lock(self->mu);
        self->failures.push_back(
            DeliveryFailure{topic, std::string(static_cast<const char*>(m->key), m->key_len), std::move(st)});
      }
    } else if (pending) {
      pending->promise.set_value(Delivery{topic, m->partition, m->offset});
    }
    delete pending;
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
      std::lock_guard lock(self->mu);
      self->fatal = internal::FromError(orig, std::string("fatal producer error: ") + buf);
      log::Kafka().error("kafka producer: {}", self->fatal.ToString());
    } else {
      log::Kafka().debug("kafka producer: {} ({})", reason, rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
    }
  }

  Status Enqueue(std::string_view topic, std::string_view key, std::string_view value, const Headers& headers,
                 int32_t partition, Opaque* opaque) {
    {
      std::lock_guard lock(mu);
      if (!fatal.ok()) return fatal;
    }
    std::string topic_s(topic);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(message_timeout_ms);
    for (;;) {
      rd_kafka_headers_t* hdrs = nullptr;
      if (!headers.empty()) {
        hdrs = rd_kafka_headers_new(headers.size());
        for (auto& [k, v] : headers)
          rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(), static_cast<ssize_t>(v.size()));
      }
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic_s.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_HEADERS(hdrs),
          RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
      if (hdrs) rd_kafka_headers_destroy(hdrs);  // not taken over on failure
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline)
        return internal::FromError(err, "produce to " + topic_s);
      // Local queue full: wait for deliveries to make room.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
};

int32_t PartitionForKey(std::string_view key, int32_t partitions) {
  // librdkafka divides by the count: a topic with no partitions has no answer.
  if (partitions < 1) return kAnyPartition;
  // murmur2 of a key needs no topic: librdkafka's partitioner reads only the key.
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
}

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Producer>> Producer::Create(const KafkaConfig& cfg) {
  std::string error;
  rd_kafka_conf_t* conf =
      internal::MakeConf(cfg,
                         {
                             {"enable.idempotence", "true"},  // implies acks=all, bounded in-flight, retries
                             {"acks", "all"},
                             {"partitioner", "murmur2_random"},  // same partition as the Java client for a key
                             {"message.timeout.ms", std::to_string(cfg.message_timeout_ms)},
                             {"linger.ms", "5"},
                             {"queue.buffering.max.messages", "200000"},
                         },
                         &error);
  if (!conf) return Status::InvalidArgument("kafka producer config: " + error);
  auto impl = std::make_unique<Impl>();
  impl->message_timeout_ms = cfg.message_timeout_ms;
  if (auto it = cfg.extra.find("message.timeout.ms"); it != cfg.extra.end())
    impl->message_timeout_ms = std::stoi(it->second);
  rd_kafka_conf_set_opaque(conf, impl.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &Impl::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, &Impl::OnError);
  char errstr[512];
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!impl->rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka producer: ") + errstr);
  }
  Impl* raw = impl.get();
  impl->poller = std::thread([raw] {
    while (!raw->stop.load(std::memory_order_relaxed)) rd_kafka_poll(raw->rk, 50);
  });
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

Producer::~Producer() {
  if (!impl_) return;
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk, 5000);
  if (err) log::Kafka().error("kafka producer closed with {} messages undelivered", rd_kafka_outq_len(impl_->rk));
  impl_->stop = true;
  impl_->poller.join();
  // Serve the last reports so pending futures are resolved, then destroy
  // (which fails whatever is still queued through the delivery callback).
  rd_kafka_poll(impl_->rk, 0);
  rd_kafka_destroy(impl_->rk);
}

Status Producer::Produce(std::string_view topic, std::string_view key, std::string_view value, const Headers& headers,
                         int32_t partition) {
  return impl_->Enqueue(topic, key, value, headers, partition, nullptr);
}

std::future<Result<Delivery>> Producer::ProduceAsync(std::string_view topic, std::string_view key,
                                                     std::string_view value, const Headers& headers,
                                                     int32_t partition) {
  auto* pending = new Pending;
  auto fut = pending->promise.get_future();
  Status st = impl_->Enqueue(topic, key, value, headers, partition, pending);
  if (!st.ok()) {
    pending->promise.set_value(st);
    delete pending;
  }
  return fut;
}

Status Producer::Produce(std::string_view topic, std::string_view key, std::string_view value, const Headers& headers,
                         int32_t partition, DeliveryGroup& group) {
  DeliveryGroup::State& g = *group.state_;
  {
    // Counted before the enqueue: the report may arrive before it returns.
    std::lock_guard lock(g.mu);
    if (g.reported >= g.enqueued) g.self = group.state_;
    ++g.enqueued;
  }
  Status st = impl_->Enqueue(topic, key, value, headers, partition, &g);
  if (!st.ok()) {
    std::shared_ptr<DeliveryGroup::State> keep;  // released after the lock
    std::lock_guard lock(g.mu);
    --g.enqueued;
    if (g.reported >= g.enqueued) {
      keep = std::move(g.self);
      g.cv.notify_all();
    }
  }
  return st;
}

Result<std::vector<DeliveryFailure>> Producer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return Status::Unavailable("kafka flush: " + std::to_string(rd_kafka_outq_len(impl_->rk)) +
                               " messages still undelivered after " + std::to_string(timeout_ms) + " ms");
  // rd_kafka_flush returns once the queue is empty, possibly before the
  // poller thread has run the last callbacks; serve them here.
  rd_kafka_poll(impl_->rk, 0);
  std::lock_guard lock(impl_->mu);
  std::vector<DeliveryFailure> out;
  out.swap(impl_->failures);
  return out;
}

int64_t Producer::InFlight() const { return rd_kafka_outq_len(impl_->rk); }

namespace {
bool IsFencing(rd_kafka_resp_err_t code) {
  return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

// Classifies (and frees) a transaction call's error.
TxnStatus Classify(rd_kafka_t* rk, rd_kafka_error_t* error, const std::string& what) {
  TxnStatus t;
  if (!error) return t;
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  t.retriable = rd_kafka_error_is_retriable(error);
  t.abortable = rd_kafka_error_txn_requires_abort(error);
  t.fatal = rd_kafka_error_is_fatal(error);
  std::string msg = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  if (t.fatal) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
    if (orig) {
      code = orig;
      msg = buf;
    }
  }
  t.fenced = IsFencing(code);
  t.status = internal::FromError(code, what + ": " + msg);
  return t;
}
}  // namespace

TxnStatus Producer::InitTransactions(int timeout_ms) {
  return Classify(impl_->rk, rd_kafka_init_transactions(impl_->rk, timeout_ms), "init transactions");
}

TxnStatus Producer::BeginTransaction() {
  return Classify(impl_->rk, rd_kafka_begin_transaction(impl_->rk), "begin transaction");
}

TxnStatus Producer::SendOffsetsToTransaction(const std::vector<TopicPartition>& offsets, const Consumer& consumer,
                                             int timeout_ms) {
  auto meta = consumer.GroupMetadata();
  if (!meta) return TxnStatus{Status::InvalidArgument("send offsets to transaction: the consumer is closed")};
  std::unique_ptr<rd_kafka_topic_partition_list_t, internal::PartitionListDeleter> l(
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& tp : offsets)
    rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition)->offset = tp.offset;
  return Classify(impl_->rk, rd_kafka_send_offsets_to_transaction(impl_->rk, l.get(), meta.get(), timeout_ms),
                  "send offsets to transaction");
}

TxnStatus Producer::CommitTransaction(int timeout_ms) {
  return Classify(impl_->rk, rd_kafka_commit_transaction(impl_->rk, timeout_ms), "commit transaction");
}

TxnStatus Producer::AbortTransaction(int timeout_ms) {
  return Classify(impl_->rk, rd_kafka_abort_transaction(impl_->rk, timeout_ms), "abort transaction");
}

bool Producer::Fenced() const {
  char buf[256];
  return IsFencing(rd_kafka_fatal_error(impl_->rk, buf, sizeof buf));
}

Status Producer::FatalError() const {
  std::lock_guard lock(impl_->mu);
  return impl_->fatal;
}

}  // namespace duban::kafka
