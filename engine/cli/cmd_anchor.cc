// `duban anchor`: the signing key and the checkpoints an auditor keeps
// (duban/anchor.h explains what is signed; docs/RUNBOOK.md the workflow).
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli_common.h"

namespace duban::cli {
namespace {

void PrintCheckpoint(Globals& g, const anchor::Checkpoint& c) {
  if (g.json) {
    std::cout << c.ToJson() << "\n";
    return;
  }
  std::printf("store:      %s\nlog end:    %llu\nlog head:   %s\nsigned at:  %s\npublic key: %s\n", c.store_id.c_str(),
              static_cast<unsigned long long>(c.log_end), c.log_head.c_str(), FormatInstant(c.signed_at).c_str(),
              c.public_key.c_str());
}

// Written whole or not at all: to a temporary file, fsynced, then renamed.
Status WriteFileDurably(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

void AddAnchorCommands(CLI::App& app, Globals& g) {
  auto* anchor = app.add_subcommand("anchor", "signed checkpoints of the log (keygen, checkpoint, export)");
  anchor->require_subcommand(1);
  {
    auto* sub =
        anchor->add_subcommand("keygen", "write a new Ed25519 signing key (PEM, mode 600); prints its public key");
    static std::string key;
    sub->add_option("--key", key, "the key file to create (never overwritten; keep it outside the data directory)")
        ->required();
    sub->callback([&g] {
      auto pub = anchor::AnchorKey::Generate(key, g.data_dir);
      if (!pub.ok()) return Fail(g, pub.status());
      std::printf("wrote %s (mode 600)\npublic key: %s\n", key.c_str(), pub->c_str());
      std::printf(
          "use it with --anchor-key %s (or DUBAN_ANCHOR_KEY); from the first signed commit on, the store "
          "refuses writers without it\n",
          key.c_str());
    });
  }
  {
    auto* sub =
        anchor->add_subcommand("checkpoint", "sign the log as it stands and keep the checkpoint (needs --anchor-key)");
    sub->callback([&g] {
      if (g.anchor_key.empty())
        return Fail(g, Status::InvalidArgument("a checkpoint is signed with the anchor key: give --anchor-key FILE "
                                               "or DUBAN_ANCHOR_KEY"));
      auto engine = OpenEngine(g);
      if (!engine) return;
      auto cp = engine->SignCheckpoint();
      if (!cp.ok()) return Fail(g, cp.status());
      PrintCheckpoint(g, *cp);
    });
  }
  {
    auto* sub = anchor->add_subcommand("export", "write the store's newest checkpoint to a file an auditor keeps");
    static std::string out;
    sub->add_option("--out", out, "the anchor file to write")->required();
    sub->callback([&g] {
      auto engine = OpenEngine(g, true);
      if (!engine) return;
      auto cp = engine->LatestCheckpoint();
      if (!cp.ok()) return Fail(g, cp.status());
      if (!cp->has_value())
        return Fail(g, Status::NotFound("the store holds no signed checkpoint yet: run `duban anchor checkpoint "
                                        "--anchor-key FILE` (or any command with the key) first"));
      if (!(*cp)->SignatureValid())
        return Fail(g, Status::Corruption("the store's newest checkpoint is not validly signed; not exported"));
      if (Status st = WriteFileDurably(out, (*cp)->ToJson() + "\n"); !st.ok()) return Fail(g, st);
      if (!g.json) std::printf("wrote %s\n", out.c_str());
      PrintCheckpoint(g, **cp);
    });
  }
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(25, &duban::cli::AddAnchorCommands);
