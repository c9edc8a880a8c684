import { MongoClient } from 'mongodb';
const c = await new MongoClient('mongodb://127.0.0.1:27018/', { serverSelectionTimeoutMS: 5000 }).connect();
console.log(await c.db('admin').command({ ping: 1 }));
await c.close();
