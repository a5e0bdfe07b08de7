// `duban units export|import|learn`: the unit directory as offices keep it.
//   export: a directory (--units FILE, or a shipped one by --directory ID) as
//           a table for Excel (.xlsx), as CSV, or as YAML;
//   import: such a table (edited, or the office's own list) back into a
//           directory YAML, checked before it is written;
//   learn:  a draft directory from the units a plan names, to review before
//           use with `plan import --units`.
// Nothing here touches a store: directories are files the office keeps.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/plan_import/unit_tables.h"
#include "duban/reports/table_files.h"
#include "duban/terminal_text.h"
#include "plan_commands.h"

namespace duban::cli {
namespace {

struct UnitsArgs {
  std::string units, directory, out, file, id, title;
  std::vector<std::string> match;
  bool force = false;
};

std::string Extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

// -o must not replace a file unless --force: a directory is the office's work.
bool MayWrite(const UnitsArgs& a, const char* cmd) {
  if (a.out.empty() || a.force || !std::filesystem::exists(a.out)) return true;
  std::cerr << "duban units " << cmd << ": " << ForTerminal(a.out) << " exists; pass --force to replace it\n";
  return false;
}

Status WriteOut(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::cout << text;
    return std::cout.flush() ? Status::Ok() : Status::IOError("cannot write to stdout");
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.close();
  return f ? Status::Ok() : Status::IOError("cannot write " + path);
}

int RunExport(const UnitsArgs& a) {
  plan_import::UnitDirectory dir;
  if (!a.units.empty()) {
    auto loaded = plan_import::UnitDirectory::LoadFile(a.units);
    if (!loaded.ok()) {
      std::cerr << "duban units export: " << loaded.status().message() << "\n";
      return kExitRejected;
    }
    dir = std::move(loaded).value();
  } else {
    std::string ids;
    bool found = false;
    for (const auto& d : plan_import::UnitDirectory::Embedded()) {
      ids += (ids.empty() ? "" : ", ") + d.id();
      if (d.id() == a.directory) dir = d, found = true;
    }
    if (!found) {
      std::cerr << "duban units export: give --units FILE, or --directory with a shipped one (" << ids << ")\n";
      return kExitUsage;
    }
  }
  if (!MayWrite(a, "export")) return kExitUsage;
  const std::string ext = Extension(a.out);
  Status st;
  if (ext == ".xlsx") {
    st = reports::WriteTableXlsx(plan_import::UnitTableRows(dir), "单位名录", a.out);
  } else if (ext == ".yaml" || ext == ".yml") {
    st = WriteOut(plan_import::UnitDirectoryYaml(dir, ""), a.out);
  } else if (ext.empty() || ext == ".csv") {
    st = WriteOut(reports::TableCsv(plan_import::UnitTableRows(dir)), a.out);
  } else {
    std::cerr << "duban units export: -o must end in .xlsx, .csv or .yaml\n";
    return kExitUsage;
  }
  if (!st.ok()) {
    std::cerr << "duban units export: " << st.message() << "\n";
    return kExitRejected;
  }
  if (!a.out.empty())
    std::cerr << "duban units export: " << dir.units().size() << " units, " << dir.groups().size()
              << " groups of directory " << ForTerminal(dir.id()) << " written to " << ForTerminal(a.out) << "\n";
  return kExitOk;
}

plan_import::UnitTableMeta Meta(const UnitsArgs& a, const std::string& file) {
  plan_import::UnitTableMeta m;
  m.id = a.id.empty() ? std::filesystem::path(file).stem().string() : a.id;
  m.title = a.title;
  m.match = a.match;
  return m;
}

int RunImport(const UnitsArgs& a) {
  auto read = ReadBoundedFile(a.file, size_t{8} << 20, "8 MiB: a unit directory is a few hundred rows");
  if (!read.ok()) {
    std::cerr << "duban units import: " << read.status().message() << "\n";
    return kExitRejected;
  }
  auto yaml = plan_import::UnitDirectoryYamlFromTable(*read, Meta(a, a.file));
  if (!yaml.ok()) {
    std::cerr << "duban units import: " << ForTerminal(a.file) << ": " << ForTerminal(yaml.status().message()) << "\n";
    return kExitRejected;
  }
  if (!MayWrite(a, "import")) return kExitUsage;
  if (Status st = WriteOut(*yaml, a.out); !st.ok()) {
    std::cerr << "duban units import: " << st.message() << "\n";
    return kExitRejected;
  }
  auto dir = plan_import::UnitDirectory::Parse(*yaml, a.out);
  if (!a.out.empty() && dir.ok())
    std::cerr << "duban units import: " << dir->units().size() << " units, " << dir->groups().size()
              << " groups written to " << ForTerminal(a.out) << "; use it with plan import --units "
              << ForTerminal(a.out) << "\n";
  return kExitOk;
}

int RunLearn(const UnitsArgs& a) {
  auto read = ReadPlanFile(a.file);
  if (!read.ok()) {
    std::cerr << "duban units learn: " << read.status().message() << "\n";
    return kExitRejected;
  }
  plan_import::ParseOptions opts;
  opts.resolve_deadlines = false;
  const plan_import::ParsedPlan plan = plan_import::ParsePlan(*read, plan_import::UnitDirectory(), opts);
  if (plan.tasks.empty()) {
    std::cerr << "duban units learn: no task found in " << ForTerminal(a.file) << "\n";
    return kExitRejected;
  }
  if (!MayWrite(a, "learn")) return kExitUsage;
  const std::string yaml =
      plan_import::LearnedDirectoryYaml(plan, Meta(a, a.file), std::filesystem::path(a.file).filename().string());
  if (Status st = WriteOut(yaml, a.out); !st.ok()) {
    std::cerr << "duban units learn: " << st.message() << "\n";
    return kExitRejected;
  }
  auto dir = plan_import::UnitDirectory::Parse(yaml, "draft");
  if (!a.out.empty() && dir.ok())
    std::cerr << "duban units learn: " << dir->units().size() << " units and " << dir->groups().size()
              << " groups named by " << plan.tasks.size() << " tasks, written to " << ForTerminal(a.out)
              << ": review it (spellings, group members, parents) before plan import --units\n";
  return kExitOk;
}

void AddUnitsCommands(CLI::App& app, Globals& g) {
  CLI::App* units = app.add_subcommand("units", "unit directories as tables: export, import, learn from a plan");
  units->require_subcommand(1);
  auto a = std::make_shared<UnitsArgs>();
  CLI::App* ex = units->add_subcommand("export", "write a unit directory as .xlsx, .csv (default, to stdout) or .yaml");
  ex->add_option("--units", a->units, "the directory YAML file");
  ex->add_option("--directory", a->directory, "a shipped directory by id (shaoguan, yichun, chengzihe)");
  ex->add_option("-o,--out", a->out, "the file to write; its extension picks the format");
  ex->add_flag("--force", a->force, "replace an existing file");
  ex->callback([&g, a] { g.exit_code = RunExport(*a); });

  CLI::App* im = units->add_subcommand("import", "a table (.xlsx, .csv, .tsv) of units into a directory YAML");
  im->add_option("file", a->file,
                 "the table: columns 类型 名称 别名 上级单位 成员 联络员(手机/邮箱) 分管领导(手机/邮箱)")
      ->required();
  im->add_option("-o,--out", a->out, "the YAML to write (default: stdout)");
  im->add_option("--id", a->id, "the directory id (default: the file name)");
  im->add_option("--title", a->title, "its name (default: the id)");
  im->add_option("--match", a->match, "words in a plan's title that select this directory")->delimiter(',');
  im->add_flag("--force", a->force, "replace an existing file");
  im->callback([&g, a] { g.exit_code = RunImport(*a); });

  CLI::App* le = units->add_subcommand("learn", "a draft directory from the units a plan names, to review");
  le->add_option("file", a->file, "the plan (any format plan import reads)")->required();
  le->add_option("-o,--out", a->out, "the YAML to write (default: stdout)");
  le->add_option("--id", a->id, "the directory id (default: the file name)");
  le->add_option("--title", a->title, "its name (default: the id)");
  le->add_option("--match", a->match, "words in a plan's title that select this directory")->delimiter(',');
  le->add_flag("--force", a->force, "replace an existing file");
  le->callback([&g, a] { g.exit_code = RunLearn(*a); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(21, &duban::cli::AddUnitsCommands);
