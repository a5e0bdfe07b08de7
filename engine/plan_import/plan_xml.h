// XML parts of Office packages, read with pugixml (Debian's libpugixml: a
// small, fast DOM parser that expands no custom entities, so no "billion
// laughs"). Internal to plan_import.
#pragma once
#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace duban::plan_import::table {

// Parses `xml` (part `name` of the package) into doc. False, with the reason
// in *error, when it is not well-formed or nested deeper than kMaxXmlDepth.
bool ParseXmlPart(const std::string& xml, const std::string& name, pugi::xml_document& doc, std::string* error);

// The element's name without its namespace prefix ("w:tbl" -> "tbl"):
// producers choose prefixes freely.
std::string_view LocalName(const pugi::xml_node& n);

// The first child element with this local name.
pugi::xml_node Child(const pugi::xml_node& n, std::string_view local);

// An attribute by local name ("w:val" or "val").
pugi::xml_attribute Attr(const pugi::xml_node& n, std::string_view local);

// The next node of a pre-order walk of `root`'s subtree, skipping n's
// children when `descend` is false; null at the end. Iterative: no stack
// grows with the document's depth.
pugi::xml_node NextInWalk(const pugi::xml_node& root, const pugi::xml_node& n, bool descend);

}  // namespace duban::plan_import::table
