// Serves the Firestore API in memory for the contract tests: node firestore.js PORT
const { FirestoreServer } = require("@firestore-emulator/server");

const port = Number(process.argv[2]);
const server = new FirestoreServer();
server.start(port).then(() => console.log(`firestore emulator listening on ${port}`));
process.on("SIGTERM", () => process.exit(0));
