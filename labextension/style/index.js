import './index.css';
import './graph.css';
