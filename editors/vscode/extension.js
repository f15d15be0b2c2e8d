// Starts `aaprof lsp` for AppArmor documents.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("aaprof");
  const command = config.get("path") || "aaprof";
  const initializationOptions = { include: config.get("include") || [] };
  const base = config.get("base");
  if (base) {
    initializationOptions.base = base;
  }
  client = new LanguageClient(
    "aaprof",
    "aaprof",
    { command, args: ["lsp"] },
    {
      documentSelector: [{ scheme: "file", language: "apparmor" }],
      initializationOptions,
    }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
