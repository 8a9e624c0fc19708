#!/usr/bin/env node
import { main } from '../dist/startup-backend.js';

await main(process.argv.slice(2));
