// A small reader for this service's own OpenAPI document: no CDN, works offline.
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => (k === "class" ? (node.className = v) : node.setAttribute(k, v)));
  children.flat().forEach((c) => node.append(c instanceof Node ? c : String(c)));
  return node;
};
const refName = (ref) => ref.split("/").pop();
const bounds = (s) => [s.type || (s.anyOf || []).map((t) => t.type).join(" | "),
  "default" in s ? "default " + JSON.stringify(s.default) : "", "minimum" in s ? "≥ " + s.minimum : "",
  "maximum" in s ? "≤ " + s.maximum : ""].filter(Boolean).join(", ");
const schemaLink = (schema) =>
  schema && schema.$ref ? el("a", { href: "#schema-" + refName(schema.$ref) }, refName(schema.$ref))
                        : el("code", {}, bounds(schema || {}));

function operation(path, method, op) {
  const body = el("div");
  if (op.parameters) {
    body.append(el("h4", {}, "Parameters"), el("table", {}, op.parameters.map((p) =>
      el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
         el("td", {}, p.description || ""), el("td", {}, schemaLink(p.schema))))));
  }
  if (op.requestBody) {
    const [type, media] = Object.entries(op.requestBody.content)[0];
    body.append(el("h4", {}, "Body"), el("p", {}, el("code", {}, type), " ", schemaLink(media.schema)));
  }
  body.append(el("h4", {}, "Responses"), el("table", {}, Object.entries(op.responses).map(([status, r]) => {
    const [type, media] = Object.entries(r.content || { "": {} })[0];
    return el("tr", {}, el("td", {}, el("b", {}, status)), el("td", {}, r.description),
              el("td", {}, el("code", {}, type)), el("td", {}, schemaLink(media.schema)));
  })));
  return el("details", { id: op.operationId },
    el("summary", {}, el("span", { class: "method " + method }, method), el("code", {}, path), " — ", op.summary || ""),
    body);
}

fetch("openapi.json").then((r) => r.json()).then((doc) => {
  document.title = doc.info.title + " API";
  document.getElementById("description").textContent = doc.info.description;
  const paths = document.getElementById("paths");
  Object.entries(doc.paths).forEach(([path, ops]) =>
    Object.entries(ops).forEach(([method, op]) => paths.append(operation(path, method, op))));
  const schemas = document.getElementById("schemas");
  Object.entries(doc.components.schemas).forEach(([name, schema]) =>
    schemas.append(el("details", { id: "schema-" + name },
      el("summary", {}, el("code", {}, name), " ", schema.description ? "— " + schema.description.split("\n")[0] : ""),
      el("pre", {}, JSON.stringify(schema, null, 2)))));
  if (location.hash) document.querySelector(location.hash)?.setAttribute("open", "");
}).catch((e) => { document.getElementById("description").textContent = "Could not load openapi.json: " + e; });
document.addEventListener("click", (e) => {
  const a = e.target.closest("a[href^='#schema-']");
  if (a) document.querySelector(a.getAttribute("href")).setAttribute("open", "");
});
