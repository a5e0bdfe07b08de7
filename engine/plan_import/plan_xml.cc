// ParseXmlPart and the walk helpers of plan_xml.h.
#include "plan_xml.h"

#include "plan_table.h"

namespace duban::plan_import::table {

std::string_view LocalName(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  return {};
}

pugi::xml_attribute Attr(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    std::string_view name = a.name();
    const size_t colon = name.rfind(':');
    if ((colon == std::string_view::npos ? name : name.substr(colon + 1)) == local) return a;
  }
  return {};
}

pugi::xml_node NextInWalk(const pugi::xml_node& root, const pugi::xml_node& n, bool descend) {
  if (descend && n.first_child()) return n.first_child();
  pugi::xml_node at = n;
  while (at && at != root) {
    if (at.next_sibling()) return at.next_sibling();
    at = at.parent();
  }
  return {};
}

bool ParseXmlPart(const std::string& xml, const std::string& name, pugi::xml_document& doc, std::string* error) {
  const pugi::xml_parse_result r =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_auto);
  if (!r) {
    *error = name + " is not well-formed XML (" + r.description() + " at byte " + std::to_string(r.offset) + ")";
    return false;
  }
  int depth = 0;
  pugi::xml_node n = doc.first_child();
  while (n) {
    if (n.first_child()) {
      n = n.first_child();
      if (++depth > kMaxXmlDepth) {
        *error = name + " nests its XML deeper than " + std::to_string(kMaxXmlDepth) + " levels: refused";
        return false;
      }
      continue;
    }
    while (n && !n.next_sibling()) {
      n = n.parent();
      --depth;
      if (n == doc) n = pugi::xml_node();
    }
    if (n) n = n.next_sibling();
  }
  return true;
}

}  // namespace duban::plan_import::table
