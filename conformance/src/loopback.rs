//! A minimal HTTP/1.1 server on a random loopback port: it records each request as
//! received and answers it with what the test decides, so a test sees the bytes a
//! generated client really sends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// `METHOD target HTTP/1.1`.
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The request target: path and query.
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or_default()
    }
}

/// An answer: status line text, extra headers, body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: &'static str, body: &str) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }
}

/// Serves `count` requests, one per connection, answering each with `answer`;
/// returns the base URL and the requests as they arrive.
pub fn serve<F>(count: usize, answer: F) -> (String, mpsc::Receiver<Received>)
where
    F: Fn(&Received) -> Reply + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..count {
            let (stream, _) = listener.accept().expect("accept");
            let received = read_request(&stream);
            let reply = answer(&received);
            let mut stream = stream;
            let mut head = format!(
                "HTTP/1.1 {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                reply.status,
                reply.body.len()
            );
            for (name, value) in &reply.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).expect("write head");
            stream.write_all(&reply.body).expect("write body");
            if sender.send(received).is_err() {
                return;
            }
        }
    });
    (url, receiver)
}

/// Serves one request with a fixed answer.
pub fn serve_once(status: &'static str, body: &'static str) -> (String, mpsc::Receiver<Received>) {
    serve(1, move |_| Reply::json(status, body))
}

fn read_request(stream: &std::net::TcpStream) -> Received {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    reader.read_line(&mut request_line).expect("request line");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line has a colon");
        headers.push((name.to_owned(), value.trim_start().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, value)| {
            value.parse().expect("a numeric Content-Length")
        });
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    Received {
        request_line: request_line.trim_end().to_owned(),
        headers,
        body,
    }
}
